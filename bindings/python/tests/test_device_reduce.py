"""The device-side summary (histlog._device) on CPU tensors: the same torch code a CUDA tensor
runs, checked against numpy here and against the engine's own result in the integration tests."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats

torch = pytest.importorskip("torch")

import histlog  # noqa: E402
from histlog._device import SubBins, edge_inputs, extremes, fine_histogram, summarize  # noqa: E402


def subdivisions_for(n_bins: int) -> int:
    """The engine's sub-bins per region for ``n_bins`` bins (``hl_sub_bin_layout``)."""
    return SubBins(np.arange(n_bins + 1, dtype=np.float64), None, None).subdivisions


ZOOM_PARTS = SubBins(np.array([0.0, 1.0]), None, None).zoom_parts


def numpy_edges(lo, hi, nearest, bins=30):
    if lo is None:
        return np.linspace(0.0, 1.0, bins + 1)
    return np.histogram_bin_edges([lo, hi], bins=bins)


def exact_moments(finite: np.ndarray):
    """Mean and central sums in exact rational arithmetic, rounded once at the end."""
    if finite.size == 0:
        return math.nan, 0.0, 0.0, 0.0
    exact = [Fraction(v) for v in finite.tolist()]
    mean = sum(exact) / len(exact)
    d = [v - mean for v in exact]
    return (float(mean), *(float(sum(v**k for v in d)) for k in (2, 3, 4)))


def reference(values: np.ndarray, edges: np.ndarray):
    x = values.astype(np.float64)
    finite = x[np.isfinite(x)]
    inside = finite[(finite >= edges[0]) & (finite <= edges[-1])]
    counts = np.histogram(inside, bins=edges)[0]
    mean, m2, m3, m4 = exact_moments(finite)
    return dict(count=finite.size, counts=counts, mean=mean, m2=m2, m3=m3, m4=m4, nan_count=np.isnan(x).sum(), inf_count=np.isinf(x).sum(),
                zero_count=(finite == 0).sum(), underflow=(finite < edges[0]).sum(),
                overflow=(finite > edges[-1]).sum())


def check_fine_histogram(summary, finite: np.ndarray) -> None:
    """The fine histogram spans [min, max] with strictly increasing edges and holds every finite
    value: numpy bins them the same, but for values within rounding of a computed edge."""
    if finite.size == 0:
        assert summary.fine_edges is None and summary.fine_counts is None
        return
    edges, counts = summary.fine_edges, summary.fine_counts
    assert np.all(np.diff(edges) > 0) and edges[0] <= finite.min() and edges[-1] >= finite.max()
    assert counts.sum() == finite.size and np.all(counts >= 0)
    scale = max(abs(edges[0]), abs(edges[-1]))
    near_an_edge = np.abs(finite[:, None] - edges[None, :]).min(axis=1) <= 1e-12 * scale if finite.size < 20000 else finite == finite
    mismatch = np.abs(np.histogram(finite, bins=edges)[0] - counts).sum()
    assert mismatch <= 2 * near_an_edge.sum(), (mismatch, near_an_edge.sum())


def zoom_width(record) -> float:
    """The widest zoom part of a reduced record: the widest sub-bin among the regions holding
    values, split into ZOOM_PARTS."""
    edges, counts = np.asarray(record.bin_edges), np.asarray(record.counts)
    widths = list(np.diff(edges)[counts > 0])
    if record.underflow_count:
        widths.append(edges[0] - record.min_value)
    if record.overflow_count:
        widths.append(record.max_value - edges[-1])
    return max(widths) / subdivisions_for(counts.size) / ZOOM_PARTS


def assert_quantiles_within_one_part(record, values) -> None:
    """Each estimated quantile lies within one zoom part of numpy's neighbours sorted[floor h],
    sorted[ceil h] (h = (n - 1) p), in order, inside [min, max]."""
    x = np.asarray(values, dtype=np.float64)
    finite = np.sort(x[np.isfinite(x)])
    if finite.size == 0:
        assert all(math.isnan(q) for q in record.quantiles.values())
        return
    width = zoom_width(record)
    slack = width + 1e-12 * max(abs(finite[0]), abs(finite[-1]))  # computed edges are rounded
    estimates = [record.quantiles[p] for p in sorted(record.quantiles)]
    assert all(a <= b for a, b in zip(estimates, estimates[1:]))
    assert finite[0] <= estimates[0] and estimates[-1] <= finite[-1]
    for p in sorted(record.quantiles):
        h = (finite.size - 1) * float(p)
        below, above = finite[math.floor(h)], finite[math.ceil(h)]
        assert below - slack <= record.quantiles[p] <= above + slack, (p, record.quantiles[p], below, above, width)


def check(summary, values: np.ndarray):
    ref = reference(values, summary.edges)
    x = values.astype(np.float64)
    check_fine_histogram(summary, x[np.isfinite(x)])
    np.testing.assert_array_equal(summary.counts, ref["counts"])
    for key in ("count", "nan_count", "inf_count", "zero_count", "underflow", "overflow"):
        assert getattr(summary, key) == ref[key], key
    if ref["count"]:
        finite = values.astype(np.float64)[np.isfinite(values.astype(np.float64))]
        assert summary.min == finite.min() and summary.max == finite.max()
        assert summary.mean == pytest.approx(ref["mean"], rel=1e-14, abs=1e-15)  # the summation order rounds
        for k, rel in (("m2", 1e-12), ("m3", 1e-9), ("m4", 1e-12)):
            assert getattr(summary, k) == pytest.approx(ref[k], rel=rel, abs=1e-12 * max(ref["m2"], 1e-300) ** 1.5), k


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int32])
def test_summary_matches_numpy(dtype):
    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.normal(scale=4, size=5000)).to(dtype)
    summary = summarize(x, numpy_edges)
    check(summary, x.to(torch.float64).numpy())


def test_special_values_and_values_on_edges():
    edges = np.linspace(-8.0, 8.0, 17)  # whole-number edges
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.integers(-8, 9, size=400).astype(np.float64), rng.uniform(-8, 8, 300),
                        [0.0, -0.0, np.nan, np.inf, -np.inf, -8.0, 8.0, -9.0, 9.5]])
    summary = summarize(torch.from_numpy(x), numpy_edges, fixed_edges=edges)
    check(summary, x)
    assert summary.underflow == 1 and summary.overflow == 1
    assert summary.counts[-1] == np.sum(x == 8.0) + np.sum((x >= 7) & (x < 8))  # last bin closed


def test_large_offset_small_spread():
    x = 1e8 + np.random.default_rng(5).normal(size=20000)
    check(summarize(torch.from_numpy(x), numpy_edges), x)


def test_non_contiguous_and_requires_grad():
    base = torch.randn(64, 32, dtype=torch.float64, requires_grad=True)
    view = base.t()[::2]
    summary = summarize(view, numpy_edges)
    check(summary, view.detach().contiguous().numpy())


@pytest.mark.parametrize("values", [[], [math.nan, math.inf], [3.0], [2.5] * 9])
def test_degenerate_inputs(values):
    x = np.array(values, dtype=np.float64)
    summary = summarize(torch.from_numpy(x), numpy_edges)
    check(summary, x)
    if summary.count == 0:
        assert math.isnan(summary.mean) and math.isnan(summary.min) and math.isnan(summary.max)
        assert summary.m2 == 0 and summary.counts.sum() == 0


def test_sub_bins_follow_the_bin_rule_on_each_edge():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    x = torch.tensor([0.0, 1.0, 2.0, 3.0, -1e-300, 3.0000000000000004, 1.5, 0.49], dtype=torch.float64)
    sub_bins = SubBins(edges, -1e-300, 3.0000000000000004)
    s = sub_bins.subdivisions
    # regions: underflow [-1e-300, 0), [0, 1), [1, 2), [2, 3] (closed), overflow (3, 3.0000000000000004]
    regions = (sub_bins.index(x) // s).tolist()
    assert regions == [1, 2, 3, 3, 0, 4, 2, 1]
    assert (sub_bins.index(x) % s).tolist() == [0, 0, 0, s - 1, 0, s - 1, s // 2, math.floor(0.49 * s)]
    sub_edges = sub_bins.edges()
    assert sub_edges.size == 5 * s + 1 and np.all(np.diff(sub_edges) >= 0)
    assert sub_edges[s] == 0.0 and sub_edges[2 * s] == 1.0 and sub_edges[-1] == 3.0000000000000004
    # Without under/overflow values the outer regions have no width.
    empty_outer = SubBins(edges, 0.0, 3.0).edges()
    assert np.all(empty_outer[:s + 1] == 0.0) and np.all(empty_outer[-s - 1:] == 3.0)


def test_fine_histogram_splices_zoomed_sub_bins_and_merges_empty_widths():
    sub_edges = np.array([0.0, 0.0, 1.0, 2.0, 4.0, 4.0])  # zero-width first and last sub-bins
    sub_counts = np.array([0.0, 3.0, 5.0, 2.0, 0.0])
    zoomed = np.zeros(ZOOM_PARTS)
    zoomed[[0, 10, ZOOM_PARTS - 1]] = [1.0, 3.0, 1.0]
    edges, counts = fine_histogram(sub_edges, sub_counts, np.array([2]), zoomed, ZOOM_PARTS)
    assert np.all(np.diff(edges) > 0) and edges[0] == 0.0 and edges[-1] == 4.0
    assert edges.size == ZOOM_PARTS + 3 and counts.sum() == 10  # 0, 1 + k/256, 2, 4
    np.testing.assert_array_equal(edges[1:1 + ZOOM_PARTS], 1.0 + np.arange(ZOOM_PARTS) / ZOOM_PARTS)
    np.testing.assert_array_equal(counts[1:1 + ZOOM_PARTS], zoomed)
    assert counts[0] == 3.0 and counts[-1] == 2.0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.int32])
@pytest.mark.parametrize("options", [{}, {"log_scale": True, "num_bins": 20}, {"range": (-1.0, 2.0), "num_bins": 9},
                                     {"bins": [-8.0, -2.0, 0.0, 0.5, 2.0, 8.0]}], ids=["linear", "log", "range", "edges"])
def test_engine_share_equals_the_torch_share(dtype, options):
    """A CPU tensor's share computed by the engine (hl_shard_*) and by torch operations (what a
    CUDA tensor runs): the same sub-bins, so identical histograms; moments equal up to rounding."""
    from histlog.distributed import EngineEdges

    values = mixed_tensor(dtype)
    edges = EngineEdges(values.dtype, options.get("bins"), options.get("num_bins", 30), options.get("log_scale", False),
                        options.get("range"), "test")
    kwargs = dict(fixed_edges=edges.fixed, nearest_zero=edges.nearest_zero)
    engine, torch_ops = summarize(values, edges, on_device=False, **kwargs), summarize(values, edges, on_device=True, **kwargs)
    for name in ("edges", "counts", "underflow", "overflow", "fine_edges", "fine_counts", "count", "zero_count",
                 "nan_count", "inf_count", "min", "max"):
        np.testing.assert_array_equal(getattr(engine, name), getattr(torch_ops, name), err_msg=name)
    for name in ("mean", "m2", "m3", "m4"):
        assert getattr(engine, name) == pytest.approx(getattr(torch_ops, name), rel=1e-9, abs=1e-9), name
    check(engine, values.to(torch.float64).numpy())


@pytest.mark.parametrize("bins", [1, 30, 200, 5000])
def test_subdivisions_keep_the_exchange_near_4096_counts(bins):
    s = subdivisions_for(bins)
    assert s >= 1 and (bins + 2) * s >= min(4096, bins + 2) and (bins + 2) * (s - 1) < 4096


def test_extremes_and_nearest_zero():
    x = torch.tensor([-3.0, -0.25, 0.0, 0.5, 2.0], dtype=torch.float64)
    assert edge_inputs(extremes(x, nearest_zero=True).tolist()) == (-3.0, 2.0, -0.25)
    assert edge_inputs(extremes(x[2:], nearest_zero=True).tolist()) == (0.0, 2.0, 0.5)
    assert edge_inputs(extremes(x).tolist()) == (-3.0, 2.0, None)
    assert edge_inputs(extremes(torch.zeros(3, dtype=torch.float64), nearest_zero=True).tolist()) == (0.0, 0.0, None)
    assert edge_inputs(extremes(torch.empty(0, dtype=torch.float64), nearest_zero=True).tolist()) == (None, None, None)


# ---------------------------------------------------------------------------------------
# log_histogram(..., device_reduce=True) against the engine's own result on the same tensor
# ---------------------------------------------------------------------------------------


def mixed_tensor(dtype):
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.normal(scale=3, size=3000), rng.integers(-8, 9, size=500),
                        [0.0, -0.0, 0.0, np.nan, np.nan, np.inf, -np.inf, 1e-3, -2e-4]])
    return torch.from_numpy(x).to(dtype)


def log_and_read(tmp_path, values, **options):
    with histlog.start_run(tmp_path / "run") as run:
        run.log_histogram(values, key="t", step=0, **options)
    return histlog.open_run(tmp_path / "run").get("t", 0)


def same_or_close(a, b, rel):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=rel, abs=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.int64])
@pytest.mark.parametrize("options", [{}, {"log_scale": True, "num_bins": 24}, {"range": (-4.0, 5.0), "num_bins": 9},
                                     {"bins": [-8.0, -2.0, 0.0, 0.5, 2.0, 8.0]}], ids=["linear", "log", "range", "edges"])
def test_device_path_equals_engine(tmp_path, dtype, options):
    values = mixed_tensor(dtype)
    record = log_and_read(tmp_path, values, device_reduce=True, **options)
    reference = histlog.compute(values, **options)
    np.testing.assert_array_equal(record.bin_edges, reference.bin_edges)
    np.testing.assert_array_equal(record.counts, reference.counts)
    for name in ("total_count", "zero_count", "nan_count", "inf_count", "min_value", "max_value"):
        assert getattr(record, name) == getattr(reference, name), name
    for name in ("mean", "std", "skewness", "kurtosis"):
        assert same_or_close(getattr(record, name), getattr(reference, name), 1e-11), name
    assert (record.underflow_count, record.overflow_count) == (reference.underflow_count, reference.overflow_count)
    assert set(record.estimated_statistics) == {"quantiles", "outliers"}
    assert_quantiles_within_one_part(record, values.to(torch.float64).numpy())


def test_device_path_takes_the_largest_bin_count(tmp_path):
    # the reduction's fine histogram splits each of the million bins' regions and zooms into the
    # quantiles' sub-bins: more bins than a histogram may have, still accepted as a fine one
    values = mixed_tensor(torch.float32)
    record = log_and_read(tmp_path, values, device_reduce=True, num_bins=1_000_000)
    reference = histlog.compute(values, num_bins=1_000_000)
    np.testing.assert_array_equal(record.bin_edges, reference.bin_edges)
    np.testing.assert_array_equal(record.counts, reference.counts)
    assert_quantiles_within_one_part(record, values.to(torch.float64).numpy())


def test_device_path_on_empty_and_non_finite_tensors(tmp_path):
    for step, values in enumerate([torch.empty(0), torch.tensor([math.nan, math.inf]), torch.zeros(5)]):
        record = log_and_read(tmp_path / str(step), values, device_reduce=True)
        reference = histlog.compute(values)
        np.testing.assert_array_equal(record.bin_edges, reference.bin_edges)
        np.testing.assert_array_equal(record.counts, reference.counts)
        assert (record.total_count, record.nan_count, record.inf_count, record.zero_count) == (
            reference.total_count, reference.nan_count, reference.inf_count, reference.zero_count)


def test_cpu_tensors_stay_on_the_exact_host_path(tmp_path):
    values = mixed_tensor(torch.float32)
    for device_reduce in (None, False):
        record = log_and_read(tmp_path / str(device_reduce), values, device_reduce=device_reduce)
        assert not record.estimated and record.quantiles == histlog.compute(values).quantiles


@pytest.mark.parametrize("small", [49, 50, 51])
def test_device_path_chooses_the_scale_as_the_engine(tmp_path, small):
    """log_scale="auto": log bins when at least half of the nonzero values lie below 1e-3 of the
    largest magnitude; 50 of 100 is the engine's tipping point."""
    values = torch.tensor([1e-6] * small + [-1.0] * (100 - small) + [0.0, math.nan], dtype=torch.float64)
    record = log_and_read(tmp_path, values, device_reduce=True, log_scale="auto", num_bins=12)
    reference = histlog.compute(values, log_scale="auto", num_bins=12)
    np.testing.assert_array_equal(record.bin_edges, reference.bin_edges)
    np.testing.assert_array_equal(record.counts, reference.counts)
    linear = histlog.compute(values, num_bins=12).bin_edges
    assert np.array_equal(reference.bin_edges, linear) == (small < 50)


@pytest.mark.parametrize("values", [[-1.5e308, 0.0, 1.0, 1.5e308], [1e200, -1e200, 3.0, 4.0]], ids=["max", "1e200"])
def test_overflowing_moments_are_recorded(tmp_path, values):
    """Finite values whose squares overflow: a record on both paths, not an error. The host's
    engine takes their moments of the values scaled by a power of two (numpy and scipy on the
    scaled values are the reference); the device path combines moments in float64, whose
    overflow leaves std, skewness and kurtosis undefined."""
    x = torch.tensor(values, dtype=torch.float64)
    device, host = log_and_read(tmp_path / "device", x, device_reduce=True), log_and_read(tmp_path / "host", x)
    np.testing.assert_array_equal(device.counts, host.counts)
    assert (device.total_count, device.min_value, device.max_value) == (host.total_count, host.min_value, host.max_value)
    for name in ("std", "skewness", "kurtosis"):
        assert math.isnan(getattr(device, name)), name
    exponent = math.frexp(max(abs(v) for v in values))[1]
    unit = np.ldexp(np.array(values), -exponent)
    assert host.mean == pytest.approx(math.ldexp(unit.mean(), exponent), rel=1e-12, abs=1e-12 * max(map(abs, values)))
    assert host.std == pytest.approx(math.ldexp(unit.std(ddof=1), exponent), rel=1e-12)
    assert host.skewness == pytest.approx(scipy.stats.skew(unit, bias=False), rel=1e-9, abs=1e-12)
    assert host.kurtosis == pytest.approx(scipy.stats.kurtosis(unit, bias=False), rel=1e-9, abs=1e-12)


def test_device_path_refuses_precomputed_histograms(tmp_path):
    with histlog.start_run(tmp_path / "run") as run:
        with pytest.raises(ValueError, match="raw values"):
            run.log_histogram(bins=[0.0, 1.0], counts=[1.0], key="t", step=0, device_reduce=True)
