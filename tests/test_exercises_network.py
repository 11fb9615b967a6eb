"""The layer checkers pass a right layer and name each classic mistake of a learner's layer.

Every mistake is a small class written the way a learner would write it; the
tests assert that the checker fails it on the expected case and that the
printed hint names the mistake.
"""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import exercises, pool_backward, pool_forward


def run(checker, layer_class, capsys):
    result = checker(layer_class)
    return result, " ".join(capsys.readouterr().out.split())


class MaxPool:
    """The right answer."""

    def __init__(self, kernel_shape, stride):
        self.kernel_shape, self.stride = kernel_shape, stride
        self.params, self.grads = {}, {}
        self.cache = None

    def forward(self, x, train=True):
        if train:
            self.cache = x
        return pool_forward(x, self.kernel_shape, self.stride)

    def backward(self, dout):
        return pool_backward(dout, self.cache, self.kernel_shape, self.stride)


class CachesEvenWhenEvaluating(MaxPool):
    def forward(self, x, train=True):
        self.cache = x
        return pool_forward(x, self.kernel_shape, self.stride)


class ForgetsTheCachedInput(MaxPool):
    def backward(self, dout):
        # A mask built from nothing: every window looks like zeros.
        return pool_backward(dout, np.zeros(self.cache.shape), self.kernel_shape, self.stride)


class EveryCellOfTheWindow(MaxPool):
    def backward(self, dout):
        kh, kw = np.broadcast_to(self.kernel_shape, 2)
        return np.repeat(np.repeat(dout, kh, axis=1), kw, axis=2)


class ArticleTies(MaxPool):
    def backward(self, dout):
        return pool_backward(dout, self.cache, self.kernel_shape, self.stride, ties="all")


class ReturnsDout(MaxPool):
    def backward(self, dout):
        return dout


class AveragesForward(MaxPool):
    def forward(self, x, train=True):
        self.cache = x
        return pool_forward(x, self.kernel_shape, self.stride, "avg")


class NoParams:
    def __init__(self, kernel_shape, stride):
        self.inner = MaxPool(kernel_shape, stride)

    def forward(self, x, train=True):
        return self.inner.forward(x, train)

    def backward(self, dout):
        return self.inner.backward(dout)


class StubPool:
    def __init__(self, kernel_shape, stride):
        self.params, self.grads = {}, {}

    def forward(self, x, train=True):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        raise NotImplementedError  # your code here


def test_pool_layer_checker_passes_the_right_layer(capsys):
    result, out = run(exercises.check_pool_layer, MaxPool, capsys)
    assert result.passed, out
    assert "All 9 cases pass" in out


@pytest.mark.parametrize(
    ("layer_class", "failing_case", "hint"),
    [
        (CachesEvenWhenEvaluating, "an evaluation pass", "keep the input only when train is true"),
        (ForgetsTheCachedInput, "2 x 2 windows", "backward did not use the input that forward saw"),
        (EveryCellOfTheWindow, "2 x 2 windows", "every cell of a window got the window's whole"),
        (ArticleTies, "windows of zeros tie", "the original article's rule"),
        (ReturnsDout, "2 x 2 windows", "shaped like dout, the output"),
        (AveragesForward, "2 x 2 windows", "forward averaged each window"),
        (NoParams, "2 x 2 windows", "set self.params, self.grads = {}, {}"),
    ],
)
def test_pool_layer_checker_names_the_mistake(layer_class, failing_case, hint, capsys):
    result, out = run(exercises.check_pool_layer, layer_class, capsys)
    assert not result.passed
    assert failing_case in result.failed[0]
    assert hint in out


@pytest.mark.parametrize("layer_class", [None, StubPool])
def test_pool_layer_checker_reports_a_stub_as_not_attempted(layer_class, capsys):
    result, out = run(exercises.check_pool_layer, layer_class, capsys)
    assert not result.attempted
    assert "check_pool_layer: not attempted yet" in out


class Flatten:
    """The right answer."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.shape = None

    def forward(self, x, train=True):
        if train:
            self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        return dout.reshape(self.shape)


class FlattenKeepsDoutShape(Flatten):
    def backward(self, dout):
        return dout


class FlattenDropsTheBatch(Flatten):
    def forward(self, x, train=True):
        self.shape = x.shape
        return x.reshape(-1)


class FlattenChannelsFirst(Flatten):
    def forward(self, x, train=True):
        self.shape = x.shape
        return x.transpose(0, 3, 1, 2).reshape(len(x), -1)


class FlattenShapeFromEvaluation(Flatten):
    def forward(self, x, train=True):
        self.shape = x.shape
        return x.reshape(len(x), -1)


class FlattenUndoesTheWrongWay(Flatten):
    def backward(self, dout):
        m, h, w, c = self.shape
        return dout.reshape(m, c, h, w).transpose(0, 2, 3, 1)


def test_flatten_checker_passes_the_right_layer(capsys):
    result, out = run(exercises.check_flatten_layer, Flatten, capsys)
    assert result.passed, out


@pytest.mark.parametrize(
    ("layer_class", "failing_case", "hint"),
    [
        (FlattenKeepsDoutShape, "one example", "backward did not restore the input's shape"),
        (FlattenDropsTheBatch, "one example", "flattened the batch axis too"),
        (FlattenChannelsFirst, "one example", "put the channels first"),
        (
            FlattenShapeFromEvaluation,
            "an evaluation pass",
            "keep what backward needs only when train",
        ),
        (FlattenUndoesTheWrongWay, "one example", "backward does not undo forward"),
    ],
)
def test_flatten_checker_names_the_mistake(layer_class, failing_case, hint, capsys):
    result, out = run(exercises.check_flatten_layer, layer_class, capsys)
    assert not result.passed
    assert failing_case in result.failed[0]
    assert hint in out


def test_a_random_failure_prints_the_seed_to_draw_it_again(capsys):
    class RightOnTheFixedCasesOnly(MaxPool):
        def backward(self, dout):
            if self.cache.size in (16, 96, 25, 24, 32):
                return super().backward(dout)
            return np.zeros(self.cache.shape)

    result, out = run(exercises.check_pool_layer, RightOnTheFixedCasesOnly, capsys)
    # Random cases can draw a fixed size; a seed where none does keeps the test exact.
    result = exercises.check_pool_layer(RightOnTheFixedCasesOnly, seed=5)
    out = " ".join(capsys.readouterr().out.split())
    assert not result.passed
    assert "check_pool_layer(RightOnTheFixedCasesOnly, seed=5)" in out
