"""Training a :mod:`pooling_lib.nn` network: loss, optimisers, data split, epochs.

``softmax_cross_entropy`` gives the loss and its gradient, ``SGD`` and
``Adam`` update a model's ``params`` in place from its ``grads``,
``train_test_split`` holds out a stratified part of the data, ``train_epoch``
makes one pass in mini-batches and ``fit`` runs several and measures
held-out ``accuracy`` after each.

Speed: the matrices of a small CNN are too small to share out between BLAS
threads, and threads that wait for each other on a busy machine made an epoch
twenty times slower than one thread did. So ``fit`` runs BLAS on one thread
(``blas_threads=1``) by default, through ``threadpoolctl`` when it is
installed; without it, set ``OPENBLAS_NUM_THREADS=1`` (or ``OMP_NUM_THREADS``
/ ``MKL_NUM_THREADS``) before starting Python. Results are repeatable for a
given seed and thread count; another thread count rounds differently.

Examples
--------
>>> from pooling_lib import load_mnist
>>> from pooling_lib.nn import small_cnn
>>> X, y = load_mnist()
>>> X_train, X_test, y_train, y_test = train_test_split(X[..., None], y, n_train=4000, seed=0)
>>> X_train.shape, X_test.shape, np.bincount(y_test)
((4000, 28, 28, 1), (1000, 28, 28, 1), array([100, 100, 100, 100, 100, 100, 100, 100, 100, 100]))
>>> model = small_cnn(seed=0)
>>> history = fit(model, X_train[:256], y_train[:256], X_test[:100], y_test[:100], epochs=2)
>>> sorted(history), len(history["loss"])
(['loss', 'seconds', 'test_accuracy'], 2)
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings

import numpy as np

from .nn import Sequential, as_generator, check_array, check_positive_int, check_rate

__all__ = [
    "SGD",
    "Adam",
    "accuracy",
    "blas_thread_limit",
    "fit",
    "softmax_cross_entropy",
    "train_epoch",
    "trace",
    "train_test_split",
]


# What OpenBLAS, OpenMP and MKL read once, when NumPy loads its BLAS.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def blas_thread_limit(threads):
    """Run the ``with`` block with NumPy's BLAS on at most ``threads`` threads.

    Parameters
    ----------
    threads : int or None
        At most this many BLAS threads; None leaves BLAS as it is.

    Notes
    -----
    The limit goes through ``threadpoolctl``, which restores the previous
    count on leaving the block. Without ``threadpoolctl`` nothing changes:
    the count is fixed when NumPy loads, so a ``RuntimeWarning`` names the
    environment variables to set before starting Python, unless one of
    :data:`BLAS_THREAD_VARIABLES` is set already.

    Examples
    --------
    >>> with blas_thread_limit(1):
    ...     loss, dscores = softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 2]))
    >>> dscores.shape
    (2, 3)
    """
    if threads is None:
        yield
        return
    check_positive_int(threads, "blas_threads", "e.g. 1, or None to keep BLAS's own count")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        if not any(variable in os.environ for variable in BLAS_THREAD_VARIABLES):
            warnings.warn(
                f"blas_threads={threads} needs threadpoolctl, which is not installed, so BLAS "
                "keeps its own thread count and small batches may train slowly; run "
                "`pip install threadpoolctl`, or set OPENBLAS_NUM_THREADS=1 (OMP_NUM_THREADS=1 "
                "for MKL) before starting Python",
                RuntimeWarning,
                stacklevel=3,
            )
        yield
        return
    with threadpool_limits(threads, user_api="blas"):
        yield


def softmax_cross_entropy(scores, y):
    """Mean cross-entropy of the softmax of ``scores`` against labels ``y``, and its gradient.

    Parameters
    ----------
    scores : ndarray, shape (m, classes)
        Unnormalised log-probabilities (logits).
    y : ndarray of int, shape (m,)
        The right class of each example, ``0 <= y < classes``.

    Returns
    -------
    loss : float
        ``mean(-log softmax(scores)[i, y[i]])``.
    dscores : ndarray, shape (m, classes)
        ``(softmax(scores) - onehot(y)) / m``.

    Examples
    --------
    >>> loss, dscores = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 4), round(float(np.log(4)), 4)
    (1.3863, 1.3863)
    >>> dscores[0]
    array([-0.375,  0.125,  0.125,  0.125])
    """
    scores = check_array(scores, "scores", 2, "(m, classes)")
    y = _labels(y, "y", scores.shape[1])
    if len(y) != len(scores):
        raise ValueError(
            f"y must have one label per row of scores, got {len(y)} labels for shape {scores.shape}"
        )
    # Subtracting each row's maximum changes no probability and keeps exp from overflowing.
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    m = len(y)
    loss = -log_probs[np.arange(m), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(m), y] -= 1
    return float(loss), dscores / m


def _labels(y, name, classes=None):
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be a 1-D array of int labels, got dtype {y.dtype} shape {y.shape}"
        )
    if classes is not None and len(y) and (y.min() < 0 or y.max() >= classes):
        raise ValueError(
            f"{name} must hold labels 0 to {classes - 1}, one per class score, got values from "
            f"{y.min()} to {y.max()}"
        )
    return y


def _check_model(model):
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a pooling_lib.nn.Sequential, got {type(model).__name__}")


class SGD:
    """Stochastic gradient descent with momentum, PyTorch's form.

    ``v = momentum * v + grad``, then ``param -= lr * v``; with ``momentum=0``
    this is plain ``param -= lr * grad``.

    Parameters
    ----------
    model : Sequential
        Whose layers' ``params`` are updated in place from their ``grads``.
    lr : float, default 0.01
    momentum : float, default 0.9
        In [0, 1).
    """

    def __init__(self, model, lr=0.01, momentum=0.9):
        _check_model(model)
        self.model = model
        self.lr = check_rate(lr, "lr", 0, np.inf, "e.g. 0.01")
        self.momentum = 0.0 if momentum == 0 else check_rate(momentum, "momentum", 0, 1, "e.g. 0.9")
        self.velocity = {}

    def step(self):
        """Update every parameter once, from the gradients the last backward pass left."""
        for index, layer in enumerate(self.model.layers):
            for name, param in layer.params.items():
                grad = layer.grads[name]
                if self.momentum:
                    v = self.velocity.setdefault((index, name), np.zeros_like(param))
                    v *= self.momentum
                    v += grad
                    grad = v
                param -= self.lr * grad


class Adam:
    """Adam, as ``torch.optim.Adam``: per-parameter steps scaled by running gradient moments.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, then
    ``param -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` at step ``t``.

    Parameters
    ----------
    model : Sequential
    lr : float, default 0.001
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the two moments, each in (0, 1).
    eps : float, default 1e-8
    """

    def __init__(self, model, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        _check_model(model)
        self.model = model
        self.lr = check_rate(lr, "lr", 0, np.inf, "e.g. 0.001")
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of floats, got {betas!r}; e.g. (0.9, 0.999)")
        self.betas = tuple(check_rate(b, "betas", 0, 1, "e.g. (0.9, 0.999)") for b in betas)
        self.eps = check_rate(eps, "eps", 0, np.inf, "e.g. 1e-8")
        self.moments = {}
        self.t = 0
        self._buffers = {}

    def step(self):
        """Update every parameter once, from the gradients the last backward pass left."""
        self.t += 1
        b1, b2 = self.betas
        # Both moments start at zero; dividing by 1 - b^t undoes that bias early on.
        step_size = self.lr / (1 - b1**self.t)
        root_correction = np.sqrt(1 - b2**self.t)
        for index, layer in enumerate(self.model.layers):
            for name, param in layer.params.items():
                grad = layer.grads[name]
                if (index, name) not in self.moments:
                    self.moments[index, name] = (np.zeros_like(param), np.zeros_like(param))
                m, v = self.moments[index, name]
                narrow, wide = self._scratch(index, name, v, root_correction)
                # The update below, step by step into reused buffers:
                #   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g;
                #   param -= step_size * m / (sqrt(v) / root_correction + eps)
                # each operation on the same dtypes, so the same bits, as the
                # expressions would give; root_correction, a NumPy float64,
                # makes the denominator float64.
                m *= b1
                m += np.multiply(grad, 1 - b1, out=narrow)
                v *= b2
                np.multiply(grad, 1 - b2, out=narrow)
                v += np.multiply(narrow, grad, out=narrow)
                np.divide(np.sqrt(v, out=narrow), root_correction, out=wide)
                np.add(wide, self.eps, out=wide)
                np.divide(np.multiply(m, step_size, out=narrow), wide, out=wide)
                param -= wide

    def _scratch(self, index, name, v, root_correction):
        """Two buffers for a parameter's update: its dtype, and the denominator's."""
        key = (index, name, v.dtype)
        if key not in self._buffers:
            wide_dtype = (np.sqrt(v[:0]) / root_correction).dtype
            self._buffers[key] = (np.empty_like(v), np.empty(v.shape, dtype=wide_dtype))
        return self._buffers[key]


def train_test_split(X, y, n_train, seed=0):
    """Split ``X`` and ``y`` at random, keeping each class's share in both parts.

    Parameters
    ----------
    X : ndarray, shape (n, ...)
    y : ndarray of int, shape (n,)
    n_train : int
        How many examples go to the training part, ``0 < n_train < n``.
    seed : int or np.random.Generator, default 0

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        ``n_train`` and ``n - n_train`` examples, each part shuffled. Each class
        gets ``round(n_train * its share)`` training examples (largest
        remainders settle the rounding), so a balanced ``y`` stays balanced.

    Examples
    --------
    >>> y = np.repeat([0, 1], [6, 4])
    >>> _, _, y_train, y_test = train_test_split(np.arange(10), y, n_train=5)
    >>> np.bincount(y_train), np.bincount(y_test)
    (array([3, 2]), array([3, 2]))
    """
    X = np.asarray(X)
    y = _labels(y, "y")
    if len(X) != len(y):
        raise ValueError(f"X and y must have one label per example, got {len(X)} and {len(y)}")
    n = len(y)
    n_train = check_positive_int(n_train, "n_train", f"it must be below the {n} examples")
    if n_train >= n:
        raise ValueError(f"n_train must leave examples to test on, below {n}, got {n_train}")
    rng = as_generator(seed, "seed")
    classes, counts = np.unique(y, return_counts=True)
    quotas = n_train * counts / n
    per_class = np.floor(quotas).astype(int)
    shortfall = n_train - per_class.sum()
    per_class[np.argsort(-(quotas - per_class), kind="stable")[:shortfall]] += 1
    train, test = [], []
    for label, n_label in zip(classes, per_class, strict=True):
        members = rng.permutation(np.flatnonzero(y == label))
        train.append(members[:n_label])
        test.append(members[n_label:])
    train = rng.permutation(np.concatenate(train))
    test = rng.permutation(np.concatenate(test))
    return X[train], X[test], y[train], y[test]


def _check_data(X, y, name_X, name_y):
    X = check_array(X, name_X, 4, "(m, h, w, c)")
    y = _labels(y, name_y)
    if len(X) != len(y):
        raise ValueError(
            f"{name_X} and {name_y} must have one label per example, got {len(X)} and {len(y)}"
        )
    return X, y


def accuracy(model, X, y, batch_size=500, blas_threads=1):
    """Fraction of the examples whose top class score is their label.

    Parameters
    ----------
    model : Sequential
    X : ndarray, shape (m, h, w, c)
    y : ndarray of int, shape (m,)
    batch_size : int, default 500
        Examples per forward pass; nothing is kept for a backward pass.
    blas_threads : int or None, default 1
        BLAS threads for the forward passes, as for :func:`fit`.

    Returns
    -------
    float
        In [0, 1].
    """
    _check_model(model)
    X, y = _check_data(X, y, "X", "y")
    with blas_thread_limit(blas_threads):
        scores = model.predict(X.astype(model.dtype, copy=False), batch_size)
    return float(np.mean(scores.argmax(1) == y))


def train_epoch(model, optimizer, X, y, batch_size=64, seed=0):
    """One pass over ``X`` in shuffled mini-batches: forward, loss, backward, step.

    Parameters
    ----------
    model : Sequential
    optimizer : SGD or Adam
        Anything with a ``step()`` method that reads the model's ``grads``.
    X : ndarray, shape (m, h, w, c)
        Cast to ``model.dtype``.
    y : ndarray of int, shape (m,)
    batch_size : int, default 64
        The last batch may be smaller.
    seed : int or np.random.Generator, default 0
        Fixes the order of the examples.

    Returns
    -------
    float
        The training loss averaged over all ``m`` examples.

    Notes
    -----
    BLAS keeps its current thread count: unlike :func:`fit`, this sets none,
    so a benchmark can time any count. ``with blas_thread_limit(1):`` around
    the call gives what ``fit`` uses.
    """
    _check_model(model)
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer must have a step() method, got {optimizer!r}; e.g. Adam(model)")
    X, y = _check_data(X, y, "X", "y")
    batch_size = check_positive_int(batch_size, "batch_size", "e.g. 64")
    X = X.astype(model.dtype, copy=False)
    order = as_generator(seed, "seed").permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        loss, dscores = softmax_cross_entropy(model.forward(X[batch]), y[batch])
        model.backward(dscores)
        optimizer.step()
        losses.append(loss * len(batch))
    return sum(losses) / len(X)


def fit(
    model,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    epochs=3,
    batch_size=64,
    optimizer=None,
    lr_decay=1.0,
    seed=0,
    blas_threads=1,
):
    """Train ``model`` for ``epochs`` passes; measure held-out accuracy after each.

    Parameters
    ----------
    model : Sequential
    X_train, X_test : ndarray, shape (m, h, w, c)
    y_train, y_test : ndarray of int, shape (m,)
    epochs : int, default 3
    batch_size : int, default 64
    optimizer : SGD or Adam, optional
        Default ``Adam(model, lr=0.001)``.
    lr_decay : float, default 1.0
        After each epoch ``optimizer.lr`` is multiplied by this: smaller steps
        late in training settle the weights instead of bouncing around.
    seed : int, default 0
        Fixes the batch order of every epoch: the same model, data and seed
        give the same history.
    blas_threads : int or None, default 1
        BLAS threads while training (see :func:`blas_thread_limit`); None keeps
        BLAS's own count. One is fastest for the small matrices of a small CNN
        and the same on every machine, so the history repeats exactly.

    Returns
    -------
    dict of lists, one entry per epoch
        ``'loss'`` (mean training loss), ``'test_accuracy'`` (fraction right on
        the held-out part) and ``'seconds'`` (wall time of the training pass).
    """
    _check_model(model)
    epochs = check_positive_int(epochs, "epochs", "e.g. 3")
    X_test, y_test = _check_data(X_test, y_test, "X_test", "y_test")
    X_train, y_train = _check_data(X_train, y_train, "X_train", "y_train")
    optimizer = Adam(model) if optimizer is None else optimizer
    lr_decay = check_rate(lr_decay, "lr_decay", 0, np.inf, "e.g. 0.8, or 1.0 to keep lr")
    if not hasattr(optimizer, "lr"):
        raise TypeError(f"optimizer must have an lr attribute, got {optimizer!r}; e.g. Adam(model)")
    rng = as_generator(seed, "seed")
    history = {"loss": [], "test_accuracy": [], "seconds": []}
    with blas_thread_limit(blas_threads):
        for _ in range(epochs):
            start = time.perf_counter()
            loss = train_epoch(model, optimizer, X_train, y_train, batch_size, seed=rng)
            history["seconds"].append(time.perf_counter() - start)
            history["loss"].append(loss)
            history["test_accuracy"].append(accuracy(model, X_test, y_test))
            optimizer.lr *= lr_decay
    return history


def trace(model, x, y=None):
    """One forward and one backward pass through ``model``, keeping what every layer saw.

    Nothing is updated, but every layer's ``grads`` and backward cache are
    overwritten, as by a training step's forward and backward passes.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (m, h, w, c)
        Cast to ``model.dtype``.
    y : ndarray of int, shape (m,), optional
        Labels: the backward pass starts from the gradient of the mean
        cross-entropy, as in training. Without labels it starts from each
        example's top class score (a one in the predicted class, zeros
        elsewhere): where does the evidence for the prediction come from?

    Returns
    -------
    list of dict, one per layer, in order
        ``'layer'`` (the layer), ``'input'`` and ``'output'`` (what its forward
        pass took and gave), ``'d_output'`` and ``'d_input'`` (the gradients
        with respect to them; ``'d_input'`` is None for a first ``Conv2D``
        built with ``input_gradient=False``).

    Examples
    --------
    >>> from pooling_lib.nn import small_cnn
    >>> records = trace(small_cnn(seed=0), np.ones((2, 28, 28, 1)))
    >>> [r["output"].shape for r in records][:3]
    [(2, 28, 28, 8), (2, 28, 28, 8), (2, 14, 14, 8)]
    >>> records[2]["d_input"].shape
    (2, 28, 28, 8)
    """
    _check_model(model)
    x = check_array(x, "x", 4, "(m, h, w, c)").astype(model.dtype, copy=False)
    records = []
    for layer in model.layers:
        out = layer.forward(x, train=True)
        records.append({"layer": layer, "input": x, "output": out})
        x = out
    scores = x
    if y is None:
        dout = np.zeros_like(scores)
        dout[np.arange(len(scores)), scores.argmax(axis=1)] = 1
    else:
        y = _labels(y, "y", scores.shape[1])
        if len(y) != len(scores):
            raise ValueError(
                f"y must have one label per example of x, got {len(y)} labels for "
                f"{len(scores)} examples; or y=None for the predicted classes"
            )
        _, dout = softmax_cross_entropy(scores, y)
    for record in reversed(records):
        record["d_output"] = dout
        dout = record["layer"].backward(dout)
        record["d_input"] = dout
    return records
