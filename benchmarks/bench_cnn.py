"""How fast does pooling_lib.nn train a small CNN? The same network in PyTorch, side by side.

    python benchmarks/bench_cnn.py [--epochs 8] [--batch-size 32] [--lr 0.003] [--lr-decay 0.7]

The network is :func:`pooling_lib.nn.small_cnn`: two conv-ReLU-max-pool
stages and two dense layers, float32, trained as the notebook trains it (Adam,
learning rate multiplied by ``--lr-decay`` after each epoch). The data are the bundled 5,000 digits,
split seeded and stratified into 4,000 to train on and 1,000 held out.

PyTorch trains the same network from the same initial weights with the same
Adam settings, on the same mini-batches in the same order, so the runs
compute the same numbers up to float32 round-off (the printed loss gap says
how close). Like is compared with like, each at two thread settings:

* ``1t``: one thread. pooling_lib.nn with NumPy's BLAS and pooling_lib's
  pooling both on one thread; PyTorch with ``torch.set_num_threads(1)``.
* ``Nt``: each library's default. pooling_lib.nn with BLAS's own thread count
  and :func:`pooling_lib.default_threads` for pooling; PyTorch with its own.
* ``fit``: pooling_lib.nn as :func:`pooling_lib.training.fit` runs it in the
  notebooks: BLAS pinned to one thread (reproducible results), pooling on its
  default threads. Compared with PyTorch at its default.

The epochs of all runs take turns, so a busy machine slows them all alike;
each time is the best epoch of ``--epochs``, in seconds. The target:
pooling_lib.nn at most 2x PyTorch, at one thread and at the defaults. This
script prints; it never fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pooling_lib  # noqa: E402
import pooling_lib.nn as nn  # noqa: E402
import pooling_lib.training as training  # noqa: E402
from pooling_lib import load_mnist  # noqa: E402

TARGET = 2.0


def blas_threads():
    """NumPy's BLAS thread count, or None if threadpoolctl is not installed to tell."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return counts[0] if counts else None


@contextlib.contextmanager
def threads_for_ours(blas, pooling):
    """BLAS on ``blas`` threads (None: its own count) and pooling on ``pooling`` for a block."""
    before = pooling_lib.set_threads(pooling)
    try:
        if blas is None:
            yield
        else:
            with training.blas_thread_limit(blas):
                yield
    finally:
        pooling_lib.set_threads(before)


def torch_twin(torch, model):
    """The PyTorch network with ``model``'s weights, taking NCHW input."""
    conv1, _, _, conv2, _, _, _, hidden, _, scores = model.layers
    torch_nn = torch.nn

    def conv(layer):
        kh, kw = layer.kernel_shape
        out = torch_nn.Conv2d(
            layer.in_channels, layer.out_channels, (kh, kw), padding=layer.padding
        )
        out.weight.data = torch.from_numpy(layer.params["W"].transpose(3, 2, 0, 1).copy())
        out.bias.data = torch.from_numpy(layer.params["b"].copy())
        return out

    def linear(layer):
        out = torch_nn.Linear(layer.in_features, layer.out_features)
        out.weight.data = torch.from_numpy(layer.params["W"].T.copy())
        out.bias.data = torch.from_numpy(layer.params["b"].copy())
        return out

    class ChannelsLastFlatten(torch_nn.Module):
        # Flatten in (h, w, c) order, as pooling_lib.nn.Flatten does on (m, h, w, c).
        def forward(self, x):
            return x.permute(0, 2, 3, 1).reshape(len(x), -1)

    return torch_nn.Sequential(
        conv(conv1),
        torch_nn.ReLU(),
        torch_nn.MaxPool2d(2),
        conv(conv2),
        torch_nn.ReLU(),
        torch_nn.MaxPool2d(2),
        ChannelsLastFlatten(),
        linear(hidden),
        torch_nn.ReLU(),
        linear(scores),
    )


def torch_epoch(torch, net, optimizer, X, y, order, batch_size, threads):
    """One epoch in PyTorch on ``threads`` threads; returns (mean loss, seconds)."""
    torch.set_num_threads(threads)
    loss_fn = torch.nn.functional.cross_entropy
    start = time.perf_counter()
    total = 0.0
    for first in range(0, len(order), batch_size):
        batch = torch.from_numpy(order[first : first + batch_size])
        optimizer.zero_grad()
        loss = loss_fn(net(X[batch]), y[batch])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
    return total / len(order), time.perf_counter() - start


def torch_accuracy(torch, net, X, y):
    with torch.no_grad():
        return float((net(X).argmax(1) == y).float().mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--lr-decay", type=float, default=0.7, help="lr factor after each epoch")
    args = parser.parse_args()

    X, y = load_mnist()
    X_train, X_test, y_train, y_test = training.train_test_split(
        X[..., None], y, n_train=4000, seed=0
    )
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)

    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing pooling_lib.nn alone")
    default_threads = torch.get_num_threads() if torch else 0
    blas, pooling = blas_threads(), pooling_lib.default_threads()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; NumPy "
        f"{np.__version__}, BLAS default {blas if blas else 'unknown'} threads, pooling_lib "
        f"default {pooling} threads"
        + (f"; torch {torch.__version__}, default {default_threads} threads" if torch else "")
    )
    # name: (BLAS threads, pooling threads); None keeps BLAS's own count.
    settings = {"1t": (1, 1), "Nt": (None, pooling), "fit": (1, pooling)}
    for name, (blas_count, pool_count) in settings.items():
        print(
            f"ours {name}: BLAS {blas_count or blas or 'default'} thread(s), pooling "
            f"{pool_count} thread(s)"
        )
    models = {name: nn.small_cnn(seed=0) for name in settings}
    adams = {name: training.Adam(model, lr=args.lr) for name, model in models.items()}
    model = models["1t"]
    print(
        f"small_cnn{tuple(layer.__class__.__name__ for layer in model.layers)}, float32, "
        f"Adam lr={args.lr} x {args.lr_decay} per epoch, batch {args.batch_size}, "
        f"{len(X_train)} digits per epoch"
    )

    torch_counts = (1, default_threads) if torch else ()
    if torch:
        nets = {threads: torch_twin(torch, model) for threads in torch_counts}
        optimizers = {
            threads: torch.optim.Adam(net.parameters(), lr=args.lr) for threads, net in nets.items()
        }
        X_train_t = torch.from_numpy(np.ascontiguousarray(X_train.transpose(0, 3, 1, 2)))
        X_test_t = torch.from_numpy(np.ascontiguousarray(X_test.transpose(0, 3, 1, 2)))
        y_train_t, y_test_t = torch.from_numpy(y_train), torch.from_numpy(y_test)

    # Every run draws its batch order from its own generator with one seed: the same batches.
    rngs = {name: np.random.default_rng(0) for name in settings}
    torch_rng = np.random.default_rng(0)
    times = {name: [] for name in (*settings, *torch_counts)}
    print(
        f"{'epoch':>5} "
        + " ".join(f"{f'ours {name} s':>11}" for name in settings)
        + f" {'loss':>8} "
        + (
            f"{'torch 1t s':>10} {f'torch {default_threads}t s':>10} {'loss gap':>9}"
            if torch
            else ""
        )
    )
    for epoch in range(1, args.epochs + 1):
        losses = {}
        for name, counts in settings.items():
            with threads_for_ours(*counts):
                start = time.perf_counter()
                losses[name] = training.train_epoch(
                    models[name], adams[name], X_train, y_train, args.batch_size, seed=rngs[name]
                )
                times[name].append(time.perf_counter() - start)
            adams[name].lr *= args.lr_decay
        loss = losses["1t"]
        line = f"{epoch:>5} " + " ".join(f"{times[name][-1]:11.2f}" for name in settings)
        line += f" {loss:8.4f}"
        if torch:
            order = torch_rng.permutation(len(X_train))
            for threads in torch_counts:
                torch_loss, seconds = torch_epoch(
                    torch,
                    nets[threads],
                    optimizers[threads],
                    X_train_t,
                    y_train_t,
                    order,
                    args.batch_size,
                    threads,
                )
                times[threads].append(seconds)
                losses[threads] = torch_loss
            torch.set_num_threads(default_threads)
            for optimizer in optimizers.values():
                for group in optimizer.param_groups:
                    group["lr"] *= args.lr_decay
            gap = max(abs(loss - other) for other in losses.values())
            line += f" {times[1][-1]:10.2f} {times[default_threads][-1]:10.2f} {gap:9.2e}"
        print(line, flush=True)

    best = {name: min(kept) for name, kept in times.items()}
    accuracies = {name: 100 * training.accuracy(models[name], X_test, y_test) for name in settings}
    for name in settings:
        print(
            f"pooling_lib.nn {name}: held-out accuracy {accuracies[name]:.1f} %, best epoch "
            f"{best[name]:.2f} s"
        )
    if not torch:
        print(
            f"cnn: held-out accuracy {accuracies['Nt']:.1f} %, {best['Nt']:.2f} s per epoch, "
            "n/a x PyTorch"
        )
        return
    for threads in torch_counts:
        torch_acc = 100 * torch_accuracy(torch, nets[threads], X_test_t, y_test_t)
        print(
            f"torch {threads} thread(s): held-out accuracy {torch_acc:.1f} %, best epoch "
            f"{best[threads]:.2f} s"
        )
    pairs = (("1t", 1), ("Nt", default_threads), ("fit", default_threads))
    for name, threads in pairs:
        ratio = best[name] / best[threads]
        verdict = "meets" if ratio <= TARGET else "misses"
        print(
            f"ours {name} / torch {threads} thread(s): {ratio:.2f}x "
            f"(target at most {TARGET:g}x: {verdict} it)"
        )
    ratio = best["Nt"] / best[default_threads]
    print(
        f"last line: ours Nt against torch on its default {default_threads} threads "
        f"(at 1 thread each: {best['1t'] / best[1]:.2f} x)"
    )
    print(
        f"cnn: held-out accuracy {accuracies['Nt']:.1f} %, {best['Nt']:.2f} s per epoch, "
        f"{ratio:.2f} x PyTorch"
    )


if __name__ == "__main__":
    main()
