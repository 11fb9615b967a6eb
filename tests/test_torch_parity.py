"""PyTorch's max_pool2d / avg_pool2d are the reference: same numbers, option for option, to the bit.

Two kinds of test. The recorded ones need no torch: ``tests/fixtures/torch_pooling.npz``
holds PyTorch's answers on a broad seeded set of cases (every option and float
dtype, inputs from each dtype's whole range), written by
``python -m tests.fixtures.record_torch``. The live ones ask torch itself, on
fresh random cases; without torch they skip (in CI they fail).

Both give PyTorch an (m, h, w, c) array as an NCHW-contiguous tensor, the
memory format of PyTorch's default tensors (its channels-last kernel differs
in the sign of some zero averages). "To the bit" includes the sign of zero;
only NaN payloads are not compared. Max windows lying wholly in padding
are left out on purpose: PyTorch reads past the input there, this library
gives -inf and no gradient (``test_pooling.py`` checks that rule).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pooling_lib import max_pool_winners, pool_backward, pool_forward, pool_geometry, reference
from pooling_lib.geometry import to_pair
from tests.fixtures.record_torch import (
    DTYPES,
    FIXTURE,
    STYLES,
    has_padding_only_window,
    input_values,
    torch_answers,
    upstream_values,
)
from tests.strategies import pooling_cases

# The torch that CI installs for the live comparison (the test install has none).
CI_SCRIPT = Path(__file__).parents[1] / ".ci" / "run"
VERSIONS = [pytest.param(None, id="fast"), pytest.param(reference, id="loops")]


def same_bits(ours, theirs):
    """Same shape, same dtype and the same bit pattern everywhere; any NaN equals any NaN.

    Bit patterns tell 0.0 from -0.0, which ``==`` does not. NaN payloads are
    not compared: NumPy and PyTorch make different quiet NaNs for inf - inf.
    """
    if ours.shape != theirs.shape or ours.dtype != theirs.dtype:
        return False
    nan = np.isnan(ours)
    if not np.array_equal(nan, np.isnan(theirs)):
        return False
    unsigned = np.dtype(f"u{ours.dtype.itemsize}")
    return np.array_equal(ours.view(unsigned)[~nan], theirs.view(unsigned)[~nan])


def assert_same_bits(ours, theirs):
    """:func:`same_bits`, with the first differing cells in the message."""
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (
        f"shape/dtype {ours.shape} {ours.dtype} != PyTorch's {theirs.shape} {theirs.dtype}"
    )
    if not same_bits(ours, theirs):
        differ = np.argwhere(
            (ours != theirs) & ~(np.isnan(ours) & np.isnan(theirs))
            | (np.signbit(ours) != np.signbit(theirs)) & ~np.isnan(ours)
        )[:5]
        shown = ", ".join(
            f"{tuple(int(i) for i in at)}: {ours[tuple(at)]!r} vs {theirs[tuple(at)]!r}"
            for at in differ
        )
        raise AssertionError(f"bit patterns differ from PyTorch's, ours vs theirs at {shown}")


def test_same_bits_tells_zeros_apart_and_lets_any_nan_match():
    """The comparison every parity test rests on."""
    quiet, other_nan = np.array([np.nan]), np.array([np.uint64(0x7FF8000000000001)]).view(float)
    assert same_bits(quiet, other_nan) and same_bits(quiet, -quiet)
    assert not same_bits(np.array([0.0]), np.array([-0.0]))
    assert not same_bits(np.array([np.nan]), np.array([1.0]))
    assert not same_bits(np.array([1.0]), np.array([1.0], dtype=np.float32))
    assert not same_bits(np.zeros(2), np.zeros((1, 2)))
    tiny = np.array([np.finfo(np.float16).smallest_subnormal])
    assert not same_bits(tiny, np.zeros(1, dtype=np.float16))
    with pytest.raises(AssertionError, match=r"at \(0,\): np.float64\(0.0\) vs np.float64\(-0.0\)"):
        assert_same_bits(np.array([0.0]), np.array([-0.0]))


# -- recorded answers: no torch needed -----------------------------------------


class RecordedCase:
    """One row of the fixture: options, input, upstream gradient and PyTorch's answers."""

    def __init__(self, index, row, columns, recorded):
        value = dict(zip(columns, (int(v) for v in row), strict=True))
        self.index = index
        self.dtype = np.dtype(DTYPES[value["dtype"]])
        self.mode = ("max", "avg")[value["mode"]]
        self.style = STYLES[value["style"]]
        shape = tuple(value[k] for k in ("m", "h", "w", "c"))
        self.options = dict(
            kernel_shape=(value["kernel_h"], value["kernel_w"]),
            stride=(value["stride_h"], value["stride_w"]),
            mode=self.mode,
            padding=(value["padding_h"], value["padding_w"]),
            ceil_mode=bool(value["ceil_mode"]),
        )
        if self.mode == "max":
            self.options["dilation"] = (value["dilation_h"], value["dilation_w"])
        else:
            self.options["count_include_pad"] = bool(value["count_include_pad"])
            self.options["divisor_override"] = value["divisor"] if value["has_divisor"] else None
        geometry_options = {
            k: v for k, v in self.options.items() if k not in ("mode", "count_include_pad")
        }
        geometry_options.pop("divisor_override", None)
        self.geometry = pool_geometry(shape[1:3], **geometry_options)
        out_shape = (shape[0], *self.geometry.out_shape, shape[3])
        name = self.dtype.name

        def take(field, start, shape):
            size = int(np.prod(shape))
            return recorded[f"{field}_{name}"][start : start + size].reshape(shape)

        self.A_prev = take("A_prev", value["input_start"], shape)
        self.grad = take("grad", value["input_start"], shape)
        self.dA = take("dA", value["output_start"], out_shape)
        self.out = take("out", value["output_start"], out_shape)
        self.indices = take("indices", value["output_start"], out_shape)

    def __repr__(self):
        return f"case {self.index} ({self.dtype.name}, {self.style}, {self.options})"


@pytest.fixture(scope="module")
def recorded():
    with np.load(FIXTURE) as fixture:
        arrays = {key: fixture[key] for key in fixture.files}
    columns = [str(c) for c in arrays["columns"]]
    cases = [RecordedCase(index, row, columns, arrays) for index, row in enumerate(arrays["cases"])]
    return arrays, cases


def _failures(cases, check):
    """The cases ``check`` finds wrong, each with its reason, for one readable message."""
    failures = []
    for case in cases:
        try:
            check(case)
        except AssertionError as error:
            failures.append(f"{case!r}: {error}")
    return failures


def _report(failures, total):
    assert not failures, f"{len(failures)} of {total} recorded cases differ:\n" + "\n".join(
        failures[:8]
    )


RECORDED_DTYPES = [np.dtype(d).name for d in DTYPES]


def _recorded(recorded, mode, dtype):
    return [c for c in recorded[1] if c.mode == mode and c.dtype.name == dtype]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("dtype", RECORDED_DTYPES)
def test_forward_matches_recorded_pytorch(recorded, mode, dtype):
    cases = _recorded(recorded, mode, dtype)

    def check(case):
        assert_same_bits(pool_forward(case.A_prev, **case.options), case.out)

    _report(_failures(cases, check), len(cases))


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("dtype", RECORDED_DTYPES)
def test_backward_matches_recorded_pytorch(recorded, mode, dtype):
    cases = _recorded(recorded, mode, dtype)

    def check(case):
        assert_same_bits(pool_backward(case.dA, case.A_prev, **case.options), case.grad)

    _report(_failures(cases, check), len(cases))


@pytest.mark.parametrize("module", VERSIONS)
@pytest.mark.parametrize("dtype", RECORDED_DTYPES)
def test_winners_are_recorded_pytorch_indices(recorded, module, dtype):
    winners = module.max_pool_winners if module else max_pool_winners
    cases = _recorded(recorded, "max", dtype)

    def check(case):
        options = {k: v for k, v in case.options.items() if k != "mode"}
        rows, cols = winners(case.A_prev, **options)
        flat = rows * case.A_prev.shape[2] + cols
        differ = np.argwhere(flat != case.indices)[:3]
        assert not differ.size, f"winners differ at {differ.tolist()}"

    _report(_failures(cases, check), len(cases))


@pytest.mark.parametrize("dtype", RECORDED_DTYPES)
def test_the_loops_pick_the_recorded_maxima(recorded, dtype):
    """The loop version finds PyTorch's maxima and routes the gradient to the same cells.

    Compared as numbers (``==``, any NaN equal to any NaN), not as bits:
    the loops take np.max, which may return either zero of a 0.0 / -0.0 tie.
    """
    cases = _recorded(recorded, "max", dtype)

    def check(case):
        np.testing.assert_array_equal(reference.pool_forward(case.A_prev, **case.options), case.out)
        np.testing.assert_array_equal(
            reference.pool_backward(case.dA, case.A_prev, **case.options), case.grad
        )

    _report(_failures(cases, check), len(cases))


@pytest.mark.parametrize("dtype", RECORDED_DTYPES)
def test_the_loops_average_like_the_recording(recorded, dtype):
    """The loop version's averages are PyTorch's up to rounding.

    np.sum adds a window's cells in its own order, so the last bits may
    differ; inputs whose sums can overflow (where order decides between a
    number and inf) are left to the fast version's bit-for-bit test.
    """
    cases = [c for c in _recorded(recorded, "avg", dtype) if c.style in _NO_OVERFLOW]
    assert len(cases) > 30
    eps = float(np.finfo(dtype).eps)

    def check(case):
        scale = float(np.abs(case.A_prev).max(initial=0.0))
        cells = int(np.prod(case.options["kernel_shape"]))
        np.testing.assert_allclose(
            reference.pool_forward(case.A_prev, **case.options),
            case.out,
            rtol=4 * cells * eps,
            atol=4 * cells * eps * scale,
        )
        dA_scale = float(np.abs(case.dA[np.isfinite(case.dA)]).max(initial=0.0))
        np.testing.assert_allclose(
            reference.pool_backward(case.dA, case.A_prev, **case.options),
            case.grad,
            rtol=4 * cells * eps,
            atol=4 * cells * eps * dA_scale,
        )

    _report(_failures(cases, check), len(cases))


_NO_OVERFLOW = ("normal", "small_ints", "mnist")


def test_the_fixture_is_well_formed(recorded):
    """It says which torch wrote it, and holds every option, dtype and special value."""
    arrays, cases = recorded
    pinned = re.search(r"install -qq torch==(\S+)", CI_SCRIPT.read_text()).group(1)
    assert str(arrays["torch_version"]).split("+")[0] == pinned, (
        f"recorded with torch {arrays['torch_version']}, CI installs {pinned}: re-record "
        "with python -m tests.fixtures.record_torch"
    )
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", str(arrays["numpy_version"]))
    assert FIXTURE.stat().st_size < 2_000_000
    assert len(cases) == len(arrays["cases"]) > 500
    for dtype in DTYPES:
        for mode in ("max", "avg"):
            kind = [c for c in cases if c.dtype == dtype and c.mode == mode]
            assert {c.style for c in kind} == set(STYLES), (dtype, mode)
            assert any(c.options["ceil_mode"] for c in kind)
            assert any(not c.options["ceil_mode"] for c in kind)
            for option in ("kernel_shape", "stride", "padding"):
                assert any(c.options[option][0] != c.options[option][1] for c in kind), option
                assert any(max(c.options[option]) > 1 for c in kind), option
            if mode == "max":
                assert any(c.options["dilation"][0] != c.options["dilation"][1] for c in kind)
                assert all(not has_padding_only_window(c.geometry) for c in kind)
                assert all(np.all(c.indices >= 0) for c in kind)
            else:
                assert any(not c.options["count_include_pad"] for c in kind)
                divisors = {c.options["divisor_override"] for c in kind}
                assert None in divisors
                assert any(d is not None and d > 0 for d in divisors)
                assert any(d is not None and d < 0 for d in divisors)
        values = np.concatenate([c.A_prev.ravel() for c in cases if c.dtype == dtype])
        upstream = np.concatenate([c.dA.ravel() for c in cases if c.dtype == dtype])
        info = np.finfo(dtype)
        for held in (values, upstream):
            zero = held == 0
            assert (zero & np.signbit(held)).any() and (zero & ~np.signbit(held)).any()
            assert np.isnan(held).any()
            assert (held == np.inf).any() and (held == -np.inf).any()
        tiny = np.abs(values)
        assert ((tiny > 0) & (tiny < info.tiny)).any(), "no subnormals"
        assert (values == info.smallest_subnormal).any() and (values == info.max).any()
        assert (np.abs(values[np.isfinite(values)]) > info.max / 4).any()
        exponents = np.frexp(values[np.isfinite(values) & (values != 0)].astype(np.float64))[1]
        assert exponents.max() - exponents.min() > 0.9 * (info.maxexp - info.minexp)


# -- live: torch itself, on fresh cases -----------------------------------------


def test_the_fixture_is_what_this_torch_says(torch, recorded):
    """The recorded answers are PyTorch's own: run torch on every recorded input again."""
    _, cases = recorded

    def check(case):
        out, grad, indices = torch_answers(
            torch, case.A_prev, case.dA, _torch_options(case.options)
        )
        assert_same_bits(out, case.out)
        assert_same_bits(grad, case.grad)
        if indices is not None:
            np.testing.assert_array_equal(indices, case.indices)

    _report(_failures(cases, check), len(cases))


def _torch_options(options):
    """``options`` with every default filled in, as :func:`torch_answers` takes them."""
    full = {
        "mode": "max",
        "padding": 0,
        "dilation": 1,
        "ceil_mode": False,
        "count_include_pad": True,
        "divisor_override": None,
        **options,
    }
    for name in ("kernel_shape", "stride", "padding", "dilation"):
        full[name] = to_pair(full[name], name)
    return full


@settings(max_examples=300, deadline=None)
@given(
    case=pooling_cases(),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from(DTYPES),
    style=st.sampled_from(STYLES[:-1]),
)
def test_random_cases_match_pytorch(torch, case, seed, dtype, style):
    shape, options, geometry = case
    if options["mode"] == "avg":
        options["dilation"] = (1, 1)  # PyTorch's avg_pool2d has no dilation
        geometry = pool_geometry(
            shape[1:3],
            options["kernel_shape"],
            options["stride"],
            options["padding"],
            (1, 1),
            options["ceil_mode"],
        )
    # PyTorch reads outside the input for a window of padding alone (its max
    # index points past the end); our rule (-inf, no gradient) is checked in
    # test_pooling.py instead.
    assume(options["mode"] == "avg" or not has_padding_only_window(geometry))
    rng = np.random.default_rng(seed)
    A_prev = input_values(rng, shape, dtype, style)
    dA = upstream_values(rng, (shape[0], *geometry.out_shape, shape[3]), dtype)
    expected, expected_grad, _ = torch_answers(torch, A_prev, dA, _torch_options(options))
    assert_same_bits(pool_forward(A_prev, **options), expected)
    assert_same_bits(pool_backward(dA, A_prev, **options), expected_grad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mnist_batch_matches_pytorch_exactly(torch, dtype):
    from pooling_lib import load_mnist, two_channel

    A_prev = two_channel(load_mnist()[0][:200]).astype(dtype)
    rng = np.random.default_rng(1)
    for options in (
        dict(kernel_shape=2, stride=2),
        dict(kernel_shape=3, stride=1),
        dict(kernel_shape=3, stride=2, padding=1, ceil_mode=True),
        dict(kernel_shape=(3, 2), stride=(2, 3), dilation=(2, 1)),
        dict(kernel_shape=3, stride=2, padding=1, mode="avg", count_include_pad=False),
        dict(kernel_shape=(2, 3), stride=2, mode="avg", ceil_mode=True, divisor_override=-3),
    ):
        ours = pool_forward(A_prev, **options)
        dA = upstream_values(rng, ours.shape, dtype)
        expected, expected_grad, _ = torch_answers(torch, A_prev, dA, _torch_options(options))
        assert_same_bits(ours, expected)
        assert_same_bits(pool_backward(dA, A_prev, **options), expected_grad)


@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_shape=2, stride=2, mode="avg", ceil_mode=True),
        dict(kernel_shape=3, stride=2, mode="avg", padding=1, ceil_mode=True),
        dict(
            kernel_shape=3, stride=2, mode="avg", padding=1, ceil_mode=True, count_include_pad=False
        ),
        dict(kernel_shape=(4, 2), stride=(3, 1), mode="avg", padding=(2, 1), divisor_override=3),
        dict(kernel_shape=3, stride=3, mode="max", padding=1, ceil_mode=True),
        dict(kernel_shape=(2, 3), stride=(1, 2), mode="max", dilation=(3, 2), ceil_mode=True),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_option_on_negative_inputs(torch, options, dtype):
    """Negative data is where zero padding for max and a wrong divisor both show."""
    rng = np.random.default_rng(2)
    A_prev = -np.abs(input_values(rng, (2, 7, 8, 3), dtype, "magnitudes"))
    ours = pool_forward(A_prev, **options)
    dA = upstream_values(rng, ours.shape, dtype)
    expected, expected_grad, _ = torch_answers(torch, A_prev, dA, _torch_options(options))
    assert_same_bits(ours, expected)
    assert_same_bits(pool_backward(dA, A_prev, **options), expected_grad)


@pytest.mark.parametrize("dtype", DTYPES)
def test_negative_zero_and_infinities_route_like_pytorch(torch, dtype):
    A_prev = np.array(
        [
            [-0.0, 0.0, -np.inf, -np.inf],
            [0.0, -0.0, -np.inf, -np.inf],
            [np.inf, np.inf, 1, np.nan],
            [np.nan, np.inf, np.nan, 1],
        ],
        dtype=dtype,
    ).reshape(1, 4, 4, 1)
    dA = np.array([1.0, -0.0, 0.0, -2.0, np.inf, -0.0, np.nan, 3.0, -0.0], dtype=dtype)
    dA = dA.reshape(1, 3, 3, 1)
    options = dict(kernel_shape=2, stride=1)
    expected, expected_grad, _ = torch_answers(
        torch,
        A_prev,
        dA,
        _torch_options(options),
    )
    assert_same_bits(pool_forward(A_prev, **options), expected)
    assert_same_bits(pool_backward(dA, A_prev, **options), expected_grad)


@pytest.mark.parametrize("h", range(1, 12))
@pytest.mark.parametrize(
    "kernel, stride, padding, dilation",
    [
        (1, 1, 0, 1),
        (2, 2, 1, 1),
        (3, 2, 1, 1),
        (3, 3, 1, 2),
        (2, 3, 0, 3),
        (4, 3, 2, 1),
    ],
)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_output_shape_and_errors_match_pytorch(
    torch, h, kernel, stride, padding, dilation, ceil_mode
):
    from pooling_lib import output_shape

    x = torch.zeros(1, 1, h, 5)
    try:
        expected = tuple(
            torch.nn.functional.max_pool2d(
                x, (kernel, 1), (stride, 1), (padding, 0), (dilation, 1), ceil_mode=ceil_mode
            ).shape[2:]
        )
    except RuntimeError:
        with pytest.raises(ValueError):
            output_shape(h, 5, (kernel, 1), (stride, 1), (padding, 0), (dilation, 1), ceil_mode)
        return
    assert (
        output_shape(h, 5, (kernel, 1), (stride, 1), (padding, 0), (dilation, 1), ceil_mode)
        == expected
    )


@pytest.mark.parametrize(
    "shape, accepted",
    [((0, 4, 4, 2), True), ((2, 4, 4, 0), False), ((0, 4, 4, 0), False)],
)
def test_empty_batches_and_zero_channels_as_in_pytorch(torch, shape, accepted):
    """PyTorch pools an empty batch and refuses zero channels; so do we."""
    x = torch.zeros(shape[0], shape[3], shape[1], shape[2])
    try:
        expected = torch.nn.functional.max_pool2d(x, 2).shape
    except RuntimeError:
        assert not accepted
        with pytest.raises(ValueError, match=r"A_prev must have at least one channel"):
            pool_forward(np.zeros(shape), 2, 2)
        return
    assert accepted
    assert pool_forward(np.zeros(shape), 2, 2).shape == (
        expected[0],
        expected[2],
        expected[3],
        expected[1],
    )


@settings(max_examples=150, deadline=None)
@given(
    case=pooling_cases(modes=("max",)),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from(DTYPES),
    style=st.sampled_from(STYLES[:-1]),
)
def test_winners_are_pytorchs_indices(torch, case, seed, dtype, style):
    shape, options, geometry = case
    assume(not has_padding_only_window(geometry))
    del options["mode"]
    A_prev = input_values(np.random.default_rng(seed), shape, dtype, style)
    x = torch.from_numpy(np.ascontiguousarray(A_prev.transpose(0, 3, 1, 2)))
    _, indices = torch.nn.functional.max_pool2d(
        x,
        options["kernel_shape"],
        options["stride"],
        options["padding"],
        options["dilation"],
        ceil_mode=options["ceil_mode"],
        return_indices=True,
    )
    rows, cols = max_pool_winners(A_prev, **options)
    flat = (rows * shape[2] + cols).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(flat, indices.numpy())


@pytest.mark.parametrize(
    "ci, outcome, message",
    [
        ("true", pytest.fail.Exception, r"PyTorch is required in CI: pip install torch==2\.13\.0"),
        (None, pytest.skip.Exception, r"PyTorch not installed \(the recorded answers still ran\)"),
    ],
)
def test_a_missing_torch_skips_for_learners_and_fails_in_ci(monkeypatch, ci, outcome, message):
    from tests import conftest

    def no_torch(name):
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(conftest.importlib, "import_module", no_torch)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=message):
        conftest.import_torch()
