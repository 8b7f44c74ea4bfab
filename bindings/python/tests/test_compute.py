"""histlog.compute: every statistic against numpy/scipy, for every input type the API takes."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import histlog
from conftest import assert_matches_numpy

RNG = np.random.default_rng(20261123)

DISTRIBUTIONS = {
    "normal": RNG.normal(0.5, 2.0, 10_000),
    "lognormal": RNG.lognormal(0.0, 1.5, 5_000),
    "uniform_ints": RNG.integers(-20, 20, 3_000).astype(np.float64),
    "with_zeros": np.concatenate([np.zeros(100), RNG.normal(size=900)]),
    "heavy_tail": RNG.standard_t(2, 4_000),
    "offset": 1e8 + RNG.normal(size=2_000),
    "tiny": np.array([3.0, -1.0, 2.5, 7.0, 0.0]),
}


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_statistics_equal_numpy_and_scipy(name, dtype):
    values = DISTRIBUTIONS[name].astype(dtype)
    data = histlog.compute(values)
    assert data.counts.size == 30
    assert_matches_numpy(data, values)
    assert data.name is None and data.step is None and data.timestamp is None


@pytest.mark.parametrize("num_bins", [1, 2, 7, 100, 1000])
def test_num_bins(num_bins):
    values = RNG.normal(size=1000)
    data = histlog.compute(values, num_bins=num_bins)
    assert data.counts.size == num_bins
    assert_matches_numpy(data, values)


def test_range_counts_values_outside_as_under_and_overflow():
    values = np.array([-5.0, -1.0, 0.0, 0.5, 1.0, 2.0, 9.0])
    data = histlog.compute(values, range=(-1.0, 1.0), num_bins=4)
    np.testing.assert_allclose(data.bin_edges, [-1.0, -0.5, 0.0, 0.5, 1.0], atol=1e-15)
    assert data.underflow_count == 1 and data.overflow_count == 2
    assert data.counts.sum() == 4
    # statistics still cover every finite value
    assert_matches_numpy(data, values, edges_from_data=False)


def test_explicit_edges_bin_like_numpy():
    values = RNG.normal(size=5000)
    edges = [-3.0, -1.0, -0.25, 0.0, 0.1, 2.0, 3.0]
    data = histlog.compute(values, bins=edges)
    np.testing.assert_array_equal(data.bin_edges, edges)
    assert_matches_numpy(data, values, edges_from_data=False)


@pytest.mark.parametrize("log_scale", [True, "auto"])
def test_log_scale_bins_cover_every_value(log_scale):
    values = np.concatenate([RNG.lognormal(0, 4, 3000), -RNG.lognormal(0, 4, 1000), [0.0, 0.0]])
    data = histlog.compute(values, log_scale=log_scale)
    assert data.counts.sum() == values.size
    assert_matches_numpy(data, values, edges_from_data=False)
    if log_scale is True:  # log bins are narrow near zero and wide far out
        widths = np.diff(data.bin_edges)
        assert widths.max() / widths.min() > 100


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_scale_from_zero_bins_negative_zeros_in_the_first_bin(dtype):
    # ReLU outputs with -0.0 among the zeros: log bins from +0 on, large enough for the key-digit table
    values = np.maximum(RNG.normal(size=100_000), 0).astype(dtype)
    values[RNG.integers(0, values.size, 10_000)] = -0.0
    values[0] = 0.0  # the scan's minimum: the first edge is +0
    for data in (histlog.compute(values, log_scale=True), histlog.histogram(values, log_scale=True)):
        assert data.bin_edges[0] == 0 and data.bin_edges[1] > 0
        assert data.counts[0] == (values < data.bin_edges[1]).sum()
        np.testing.assert_array_equal(data.counts, np.histogram(values, data.bin_edges)[0])


def test_nan_and_inf_are_counted_never_binned():
    values = np.array([1.0, np.nan, 2.0, np.inf, -np.inf, 3.0, np.nan])
    data = histlog.compute(values)
    assert (data.nan_count, data.inf_count, data.total_count) == (2, 2, 3)
    assert data.counts.sum() == 3
    assert_matches_numpy(data, values)


@pytest.mark.parametrize(
    "values", [np.array([]), np.array([np.nan, np.inf]), []], ids=["empty", "no_finite", "empty_list"]
)
def test_empty_and_non_finite_inputs_are_not_errors(values):
    data = histlog.compute(values)
    assert data.total_count == 0
    assert math.isnan(data.mean) and math.isnan(data.min_value)
    assert data.counts.sum() == 0
    assert np.all(np.isfinite(data.bin_edges))


def test_single_and_equal_values_widen_the_range_like_numpy():
    for values in (np.array([4.0]), np.full(10, -2.5)):
        data = histlog.compute(values)
        np.testing.assert_allclose(data.bin_edges, np.histogram_bin_edges(values, bins=30))
        assert_matches_numpy(data, values, edges_from_data=False)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float64"])
def test_subnormal_values_are_binned_over_their_own_range(dtype):
    # gradients that all underflowed: edges are the linspace of their own [min, max], within two
    # units of the smallest subnormal (numpy's float32 edges drift by tens: it steps in float32)
    import torch

    scale, smallest = (1e-310, 5e-324) if dtype == "float64" else (1e-39, float(np.finfo(np.float32).smallest_subnormal))
    tensor = torch.from_numpy(RNG.normal(size=70_001) * scale).to(getattr(torch, dtype))
    values = tensor.to(torch.float64).numpy()
    data = histlog.compute(tensor, num_bins=100)
    lo, hi = Fraction(float(values.min())), Fraction(float(values.max()))
    exact = np.array([float(lo + i * (hi - lo) / 100) for i in range(101)])
    assert data.bin_edges[0] == values.min() and data.bin_edges[-1] == values.max()
    assert np.abs(data.bin_edges - exact).max() <= 2 * smallest
    assert_matches_numpy(data, values, edges_from_data=False)
    alone = histlog.histogram(tensor, num_bins=100)
    np.testing.assert_array_equal(alone.bin_edges, data.bin_edges)
    np.testing.assert_array_equal(alone.counts, data.counts)


# -- input types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64, np.bool_]
)
def test_numpy_dtypes(dtype):
    values = (RNG.normal(10, 3, 2000)).astype(dtype) if dtype is not np.bool_ else RNG.random(100) > 0.3
    data = histlog.compute(values)
    assert_matches_numpy(
        data, values.astype(np.float64), rel=1e-9, edges_dtype=np.float32 if dtype in (np.float16, np.float32) else None
    )


def test_numpy_layouts_multidimensional_noncontiguous_and_big_endian():
    base = RNG.normal(size=(40, 50))
    cases = [
        base,  # 2-D C order
        np.asfortranarray(base),  # F order: read in place
        base[::2, ::3],  # strided
        base.T,
        base.astype(">f8"),  # non-native byte order
        base.astype(np.float32)[:, 1:],
        np.float64(3.5),  # numpy scalar
        np.array(2.0),  # 0-d
    ]
    for values in cases:
        assert_matches_numpy(histlog.compute(values), values)


def test_read_only_and_unaligned_arrays():
    values = RNG.normal(size=1000)
    values.setflags(write=False)
    assert_matches_numpy(histlog.compute(values), values)
    raw = np.zeros(8 * 1000 + 1, dtype=np.uint8)
    unaligned = raw[1:].view(np.float64)
    unaligned[:] = RNG.normal(size=1000)
    assert not unaligned.flags.aligned
    assert_matches_numpy(histlog.compute(unaligned), unaligned.copy())


def test_python_sequences_and_scalars():
    assert_matches_numpy(histlog.compute([1, 2, 3, 4.5, -2]), [1, 2, 3, 4.5, -2])
    assert_matches_numpy(histlog.compute((0.5, 0.25)), [0.5, 0.25])
    assert_matches_numpy(histlog.compute(range(100)), np.arange(100))
    assert_matches_numpy(histlog.compute(7), [7.0])
    assert_matches_numpy(histlog.compute([[1, 2], [3, 4]]), [1, 2, 3, 4])
    assert_matches_numpy(histlog.compute(np.array([1, 2.5], dtype=object)), [1, 2.5])


def test_to_dict_and_to_numpy():
    values = RNG.normal(size=100)
    data = histlog.compute(values)
    counts, edges = data.to_numpy()
    np.testing.assert_array_equal(counts, np.histogram(values, bins=edges)[0])
    as_dict = data.to_dict()
    assert as_dict["bin_edges"] == edges.tolist() and as_dict["counts"] == counts.tolist()
    assert as_dict["quantiles"]["0.5"] == data.median
    assert as_dict["estimated"] is False
    empty = histlog.compute([]).to_dict()
    assert empty["mean"] is None and empty["quantiles"]["0.1"] is None
    assert "total_count=100" in repr(data)


def test_float32_and_float64_data_reach_the_library_without_a_copy():
    from histlog._adapt import FLOAT32, FLOAT64, values_buffer

    for array in (np.zeros(1000, np.float32), np.zeros((20, 50)), np.asfortranarray(np.zeros((20, 50), np.float32))):
        address, n, kind, _ = values_buffer(array)
        assert (address, n, kind) == (array.ctypes.data, array.size, FLOAT32 if array.dtype == np.float32 else FLOAT64)
    read_only = np.zeros(10)
    read_only.setflags(write=False)
    assert values_buffer(read_only)[0] == read_only.ctypes.data
    assert values_buffer(np.zeros(10)[::2])[0] != 0  # strided: one contiguous copy


def test_torch_float_tensors_reach_the_library_without_a_copy():
    torch = pytest.importorskip("torch")
    from histlog._adapt import BFLOAT16, FLOAT32, FLOAT64, values_buffer

    kinds = {torch.float32: FLOAT32, torch.float64: FLOAT64, torch.bfloat16: BFLOAT16}
    tensors = (
        torch.zeros(100),
        torch.zeros(5, 5, dtype=torch.float64),
        torch.nn.Parameter(torch.zeros(7)),
        torch.zeros(3, 9, dtype=torch.bfloat16),
    )
    for tensor in tensors:
        address, n, kind, _ = values_buffer(tensor)
        assert (address, n, kind) == (tensor.data_ptr(), tensor.numel(), kinds[tensor.dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "options",
    [{}, {"num_bins": 7}, {"num_bins": 100}, {"range": (-0.5, 1.5)}, {"bins": [-2.0, -0.1, 0.0, 0.3, 4.0]}, {"log_scale": True}],
)
def test_histogram_alone_equals_numpy_and_compute(dtype, options):
    values = np.random.default_rng(3).standard_normal(10_007).astype(dtype)
    values[[5, 77, 1000]] = [np.nan, np.inf, -np.inf]
    data = histlog.histogram(values, **options)
    full = histlog.compute(values, **options)
    assert np.array_equal(data.bin_edges, full.bin_edges) and np.array_equal(data.counts, full.counts)
    finite = values[np.isfinite(values)]
    assert np.array_equal(data.counts, np.histogram(finite, bins=data.bin_edges)[0])
    assert data.min_value == finite.min() and data.max_value == finite.max()
    assert (data.total_count, data.nan_count, data.inf_count) == (finite.size, 1, 2)
    assert data.underflow_count == np.count_nonzero(finite < data.bin_edges[0])
    assert data.overflow_count == np.count_nonzero(finite > data.bin_edges[-1])
    assert (data.underflow_count, data.overflow_count) == (full.underflow_count, full.overflow_count)
    assert math.isnan(data.mean) and math.isnan(data.std) and math.isnan(data.median) and math.isnan(data.kurtosis)
    assert all(math.isnan(q) for q in data.quantiles.values())
    assert data.zero_count is None and data.outlier_count is None and not data.estimated


def test_histogram_alone_of_empty_tensors_and_bad_options():
    torch = pytest.importorskip("torch")
    empty = histlog.histogram(torch.empty(0))
    assert empty.total_count == 0 and math.isnan(empty.min_value) and empty.counts.sum() == 0
    tensor = torch.randn(3, 5, requires_grad=True)
    assert np.array_equal(histlog.histogram(tensor).counts, histlog.compute(tensor).counts)
    with pytest.raises(ValueError, match="range"):
        histlog.histogram([1.0, 2.0], range=(1.0, 1.0))
    with pytest.raises(TypeError, match="num_bins"):
        histlog.histogram([1.0, 2.0], num_bins="30")
    with pytest.raises(TypeError, match="values"):
        histlog.histogram("abc")


def test_threads_change_nothing_but_the_time():
    values = np.random.default_rng(9).standard_normal(2_500_000).astype(np.float32)
    values[123] = np.nan
    one = histlog.compute(values)
    previous = histlog.set_max_threads(2)
    try:
        two = histlog.compute(values)
        alone = histlog.histogram(values)
    finally:
        assert histlog.set_max_threads(previous) == 2
    assert previous == 1
    assert one.to_dict() == two.to_dict()
    assert np.array_equal(alone.counts, one.counts) and alone.max_value == one.max_value
    assert list(one.quantiles.values()) == list(np.quantile(values[np.isfinite(values)], list(one.quantiles)))
    with pytest.raises(ValueError, match="threads"):
        histlog.set_max_threads(0)
