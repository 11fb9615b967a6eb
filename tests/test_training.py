"""Training a small CNN: loss and optimisers agree with calculus and PyTorch; it learns digits."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import pooling_lib.nn as nn
import pooling_lib.training as training
from pooling_lib import load_mnist
from pooling_lib.gradcheck import numeric_gradient, rel_error

RNG = np.random.default_rng(4321)


# Small matrices on a shared 2-core machine: see the fixture in conftest.py.
pytestmark = pytest.mark.usefixtures("one_blas_thread")


# -- the loss ---------------------------------------------------------------------


def test_softmax_cross_entropy_gradient_matches_numeric():
    scores = RNG.standard_normal((4, 5))  # no tiny probabilities, whose differences are noise
    y = np.array([0, 4, 2, 2])
    _, dscores = training.softmax_cross_entropy(scores, y)

    def loss(s):
        return training.softmax_cross_entropy(s, y)[0]

    assert rel_error(dscores, numeric_gradient(loss, scores, np.ones(()))) < 1e-7


def test_softmax_cross_entropy_is_stable_for_huge_scores():
    loss, dscores = training.softmax_cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), [1, 1])
    assert loss == pytest.approx(500.0)
    np.testing.assert_allclose(dscores, [[0.5, -0.5], [0.0, 0.0]])


# -- optimisers ------------------------------------------------------------------


def one_dense_model(W):
    model = nn.Sequential(nn.Dense(*W.shape))
    model.layers[0].params["W"][...] = W
    return model


@pytest.mark.parametrize(
    "make_ours, make_torch",
    [
        (lambda m: training.SGD(m, lr=0.1, momentum=0.9), lambda p, t: t.optim.SGD(p, 0.1, 0.9)),
        (lambda m: training.SGD(m, lr=0.3, momentum=0), lambda p, t: t.optim.SGD(p, 0.3)),
        (lambda m: training.Adam(m, lr=0.01), lambda p, t: t.optim.Adam(p, lr=0.01)),
        (
            lambda m: training.Adam(m, lr=0.2, betas=(0.5, 0.9), eps=1e-3),
            lambda p, t: t.optim.Adam(p, lr=0.2, betas=(0.5, 0.9), eps=1e-3),
        ),
    ],
)
def test_optimiser_steps_match_torch(torch, make_ours, make_torch):
    W = RNG.standard_normal((3, 2))
    model = one_dense_model(W)
    ours = make_ours(model)
    W_t = torch.tensor(W, requires_grad=True)
    theirs = make_torch([W_t], torch)
    for _ in range(4):
        grad = RNG.standard_normal(W.shape)
        model.layers[0].grads["W"][...] = grad
        model.layers[0].grads["b"][...] = 0
        ours.step()
        W_t.grad = torch.tensor(grad)
        theirs.step()
    np.testing.assert_allclose(model.layers[0].params["W"], W_t.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_gives_the_bits_of_its_formula_written_out(dtype):
    # Adam updates in place into reused buffers; the expressions of the
    # formula, with their own temporaries, must give the same bits.
    model = nn.small_cnn(seed=1, dtype=dtype, channels=(2, 3), hidden=5)
    params = [value for layer in model.layers for value in layer.params.values()]
    expected = [value.copy() for value in params]
    moments = [(np.zeros_like(value), np.zeros_like(value)) for value in params]
    adam = training.Adam(model, lr=0.01, betas=(0.8, 0.99), eps=1e-7)
    b1, b2 = adam.betas
    for t in range(1, 5):
        grads = [value for layer in model.layers for value in layer.grads.values()]
        for grad in grads:
            grad[...] = RNG.standard_normal(grad.shape) * 10.0 ** RNG.integers(-6, 3)
        adam.step()
        step_size = 0.01 / (1 - b1**t)
        root_correction = np.sqrt(1 - b2**t)
        for param, grad, (m, v) in zip(expected, grads, moments, strict=True):
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad * grad
            param -= step_size * m / (np.sqrt(v) / root_correction + 1e-7)
    for ours, theirs in zip(params, expected, strict=True):
        assert ours.dtype == theirs.dtype
        assert np.array_equal(ours.view(f"u{ours.itemsize}"), theirs.view(f"u{ours.itemsize}"))


def test_sgd_momentum_by_hand():
    model = one_dense_model(np.array([[1.0]]))
    sgd = training.SGD(model, lr=0.5, momentum=0.9)
    model.layers[0].grads["W"][...] = 2.0
    sgd.step()  # v = 2, W = 1 - 0.5 * 2 = 0
    sgd.step()  # v = 0.9 * 2 + 2 = 3.8, W = 0 - 0.5 * 3.8 = -1.9
    assert model.layers[0].params["W"][0, 0] == pytest.approx(-1.9)


def test_adam_first_step_moves_each_parameter_by_lr():
    # With the bias corrections, step one is lr * g / |g| whatever the gradient's size.
    model = one_dense_model(np.zeros((1, 3)))
    model.layers[0].grads["W"][...] = [[1e-3, -5.0, 200.0]]
    training.Adam(model, lr=0.1, eps=1e-12).step()
    np.testing.assert_allclose(model.layers[0].params["W"], [[-0.1, 0.1, -0.1]])


# -- data split and training ---------------------------------------------------


def test_split_is_stratified_disjoint_and_seeded():
    X, y = np.arange(100) * 10, np.repeat(np.arange(4), [40, 30, 20, 10])
    X_train, X_test, y_train, y_test = training.train_test_split(X, y, n_train=70, seed=3)
    np.testing.assert_array_equal(np.bincount(y_train), [28, 21, 14, 7])
    np.testing.assert_array_equal(np.bincount(y_test), [12, 9, 6, 3])
    np.testing.assert_array_equal(np.sort(np.concatenate([X_train, X_test])), X)
    np.testing.assert_array_equal(y[X_train // 10], y_train)
    again = training.train_test_split(X, y, n_train=70, seed=3)
    other = training.train_test_split(X, y, n_train=70, seed=4)
    np.testing.assert_array_equal(again[0], X_train)
    assert not np.array_equal(other[0], X_train)


def test_split_rounds_to_exactly_n_train():
    y = np.repeat(np.arange(3), [5, 5, 5])
    _, _, y_train, _ = training.train_test_split(np.zeros(15), y, n_train=7)
    assert len(y_train) == 7 and sorted(np.bincount(y_train)) == [2, 2, 3]


@pytest.fixture(scope="module")
def digits():
    X, y = load_mnist()
    X_small, _, y_small, _ = training.train_test_split(X[..., None], y, n_train=700, seed=0)
    return training.train_test_split(X_small, y_small, n_train=500, seed=1)


def test_a_short_training_run_learns_digits(digits):
    X_train, X_test, y_train, y_test = digits
    model = nn.small_cnn(seed=0)
    before = training.accuracy(model, X_test, y_test)
    adam = training.Adam(model, lr=0.01)
    history = training.fit(
        model,
        X_train,
        y_train,
        X_test,
        y_test,
        epochs=3,
        batch_size=32,
        optimizer=adam,
        lr_decay=0.5,
    )
    assert before < 0.3
    # 500 digits and three epochs: well short of the full run, well above chance.
    assert history["test_accuracy"][-1] >= 0.85
    assert history["loss"][-1] < history["loss"][0]
    assert len(history["seconds"]) == 3
    assert adam.lr == pytest.approx(0.01 * 0.5**3)


def test_training_is_deterministic_given_the_seeds(digits):
    X_train, X_test, y_train, y_test = (part[:100] for part in digits)
    runs = []
    for _ in range(2):
        model = nn.small_cnn(seed=4, channels=(2, 4), hidden=8)
        history = training.fit(model, X_train, y_train, X_test, y_test, epochs=1, seed=9)
        runs.append((history["loss"], history["test_accuracy"], model.layers[0].params["W"]))
    assert runs[0][:2] == runs[1][:2]
    np.testing.assert_array_equal(runs[0][2], runs[1][2])
    other = training.fit(
        nn.small_cnn(seed=4, channels=(2, 4), hidden=8), X_train, y_train, X_test, y_test, epochs=1
    )
    assert other["loss"] != runs[0][0]


# -- BLAS threads while training -----------------------------------------------


def blas_thread_counts():
    """The thread counts of the BLAS libraries NumPy has loaded, as a set."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return {
        pool["num_threads"]
        for pool in threadpoolctl.threadpool_info()
        if pool["user_api"] == "blas"
    }


class RecordingSGD(training.SGD):
    """SGD that notes BLAS's thread counts at every step, i.e. while fit trains."""

    def __init__(self, model):
        super().__init__(model)
        self.blas_threads = []

    def step(self):
        self.blas_threads.append(blas_thread_counts())
        super().step()


@pytest.mark.parametrize("blas_threads, expected", [(1, {1}), (None, {2})])
def test_fit_trains_on_the_blas_threads_asked_for_then_restores_them(
    digits, blas_threads, expected
):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X_train, X_test, y_train, y_test = (part[:64] for part in digits)
    model = nn.small_cnn(seed=0, channels=(2, 4), hidden=8)
    sgd = RecordingSGD(model)
    # Two threads outside, so that one inside can only come from fit.
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        if blas_thread_counts() != {2}:
            pytest.skip(f"BLAS here cannot run on 2 threads: {blas_thread_counts()}")
        training.fit(
            model,
            X_train,
            y_train,
            X_test,
            y_test,
            epochs=1,
            batch_size=32,
            optimizer=sgd,
            blas_threads=blas_threads,
        )
        after = blas_thread_counts()
    assert sgd.blas_threads == [expected, expected]
    assert after == {2}


def short_fit():
    X = np.zeros((2, 28, 28, 1))
    y = np.array([0, 1])
    return training.fit(nn.small_cnn(channels=(2, 4), hidden=8), X, y, X, y, epochs=1)


def test_fit_without_threadpoolctl_says_which_variable_to_set(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # makes the import fail
    for variable in training.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    with pytest.warns(RuntimeWarning, match=r"threadpoolctl.* OPENBLAS_NUM_THREADS=1 .*before"):
        short_fit()


def test_fit_without_threadpoolctl_is_quiet_once_a_variable_is_set(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    for variable in training.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(short_fit()["loss"]) == 1


# -- errors name the parameter, show the value and say what works ---------------


class Stepper:
    def step(self):
        pass


def test_trace_records_every_layer_and_matches_a_training_step():
    model = nn.small_cnn(seed=2, dtype=np.float64)
    x = np.random.default_rng(3).random((3, 28, 28, 1))
    y = np.array([4, 0, 9])
    records = training.trace(model, x, y)
    assert [r["layer"] for r in records] == model.layers
    for before, after in zip(records[:-1], records[1:], strict=True):
        assert after["input"] is before["output"]
        assert after["d_input"] is before["d_output"]
    _, dscores = training.softmax_cross_entropy(records[-1]["output"], y)
    np.testing.assert_array_equal(records[-1]["d_output"], dscores)
    assert records[0]["d_input"] is None  # the first Conv2D skips the data's gradient
    grads = {k: g.copy() for k, g in model.layers[3].grads.items()}
    model.backward(dscores)
    for name, grad in grads.items():
        np.testing.assert_array_equal(model.layers[3].grads[name], grad)


def test_trace_without_labels_starts_from_the_predicted_score():
    model = nn.small_cnn(seed=2, dtype=np.float64)
    x = np.random.default_rng(4).random((2, 28, 28, 1))
    records = training.trace(model, x)
    scores = records[-1]["output"]
    expected = np.zeros_like(scores)
    expected[[0, 1], scores.argmax(axis=1)] = 1
    np.testing.assert_array_equal(records[-1]["d_output"], expected)


ERRORS = [
    (lambda: training.trace("net", np.zeros((1, 28, 28, 1))), TypeError, r"model must be a"),
    (
        lambda: training.trace(nn.small_cnn(), np.zeros((2, 28, 28, 1)), np.array([1])),
        ValueError,
        r"y must have one label per example of x, got 1 labels for 2 examples",
    ),
    (
        lambda: training.trace(nn.small_cnn(), np.zeros((1, 28, 28, 1)), np.array([10])),
        ValueError,
        r"y must hold labels 0 to 9",
    ),
    (
        lambda: training.trace(nn.small_cnn(), np.zeros((28, 28, 1))),
        ValueError,
        r"x must have 4 dimensions \(m, h, w, c\)",
    ),
    (
        lambda: training.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        r"y must hold labels 0 to 2, .* got values from 0 to 3",
    ),
    (
        lambda: training.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])),
        TypeError,
        r"y must be a 1-D array of int labels, got dtype float64",
    ),
    (
        lambda: training.softmax_cross_entropy(np.zeros((2, 3)), np.array([0])),
        ValueError,
        r"y must have one label per row of scores, got 1 labels for shape \(2, 3\)",
    ),
    (
        lambda: training.SGD("model"),
        TypeError,
        r"model must be a pooling_lib.nn.Sequential, got str",
    ),
    (
        lambda: training.SGD(one_dense_model(np.ones((1, 1))), lr=0),
        ValueError,
        r"lr must be between",
    ),
    (
        lambda: training.SGD(one_dense_model(np.ones((1, 1))), momentum=1.5),
        ValueError,
        r"momentum must be between 0 and 1, got 1.5",
    ),
    (
        lambda: training.Adam(one_dense_model(np.ones((1, 1))), betas=0.9),
        TypeError,
        r"betas must be a pair of floats, got 0.9",
    ),
    (
        lambda: training.Adam(one_dense_model(np.ones((1, 1))), betas=(0.9, 1.0)),
        ValueError,
        r"betas must be between 0 and 1, got 1.0",
    ),
    (
        lambda: training.Adam(one_dense_model(np.ones((1, 1))), eps="x"),
        TypeError,
        r"eps must be a number",
    ),
    (
        lambda: training.train_test_split(np.zeros(5), np.zeros(4, int), 2),
        ValueError,
        r"X and y must have one label per example, got 5 and 4",
    ),
    (
        lambda: training.train_test_split(np.zeros(5), np.zeros(5, int), 5),
        ValueError,
        r"n_train must leave examples to test on, below 5, got 5",
    ),
    (
        lambda: training.train_test_split(np.zeros(5), np.zeros(5, int), 2, seed=-1),
        TypeError,
        r"seed must be a non-negative int seed or a np.random.Generator, got -1",
    ),
    (
        lambda: training.fit(
            nn.small_cnn(), *[np.zeros((2, 28, 28, 1)), np.zeros(2, int)] * 2, lr_decay=0
        ),
        ValueError,
        r"lr_decay must be between 0 and inf, got 0; e.g. 0.8",
    ),
    (
        lambda: training.accuracy(nn.small_cnn(), np.zeros((2, 28, 28, 1)), np.zeros(3, int)),
        ValueError,
        r"X and y must have one label per example, got 2 and 3",
    ),
    (
        lambda: training.train_epoch(
            nn.small_cnn(), None, np.zeros((2, 28, 28, 1)), np.zeros(2, int)
        ),
        TypeError,
        r"optimizer must have a step\(\) method, got None",
    ),
    (
        lambda: training.fit(
            nn.small_cnn(), *[np.zeros((2, 28, 28, 1)), np.zeros(2, int)] * 2, epochs=0
        ),
        ValueError,
        r"epochs must be a positive int, got 0",
    ),
    (
        lambda: training.fit(
            nn.small_cnn(),
            np.zeros((2, 28, 28)),
            np.zeros(2, int),
            np.zeros((2, 28, 28, 1)),
            [0, 1],
        ),
        ValueError,
        r"X_train must have 4 dimensions \(m, h, w, c\), got shape \(2, 28, 28\)",
    ),
    (
        lambda: training.fit(
            nn.small_cnn(), *[np.zeros((2, 28, 28, 1)), np.zeros(2, int)] * 2, optimizer=Stepper()
        ),
        TypeError,
        r"optimizer must have an lr attribute, got <.*Stepper",
    ),
    (
        lambda: training.fit(
            nn.small_cnn(), *[np.zeros((2, 28, 28, 1)), np.zeros(2, int)] * 2, blas_threads=0
        ),
        ValueError,
        r"blas_threads must be a positive int, got 0; e.g. 1, or None",
    ),
]


@pytest.mark.parametrize("call, error, match", ERRORS, ids=lambda value: None)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
