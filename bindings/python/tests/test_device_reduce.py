"""The device-side summary (histlog._device) on CPU tensors: the same torch code a CUDA tensor
runs, checked against numpy here and against the engine's own result in the integration tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from histlog._device import bin_counts, fine_edges_for, summarize  # noqa: E402


def numpy_edges(lo, hi, bins=30):
    if lo is None:
        return np.linspace(0.0, 1.0, bins + 1)
    return np.histogram_bin_edges([lo, hi], bins=bins)


def reference(values: np.ndarray, edges: np.ndarray):
    x = values.astype(np.float64)
    finite = x[np.isfinite(x)]
    inside = finite[(finite >= edges[0]) & (finite <= edges[-1])]
    counts = np.histogram(inside, bins=edges)[0]
    mean = finite.mean() if finite.size else math.nan
    d = finite - mean
    return dict(count=finite.size, counts=counts, mean=mean, m2=np.sum(d**2), m3=np.sum(d**3),
                m4=np.sum(d**4), nan_count=np.isnan(x).sum(), inf_count=np.isinf(x).sum(),
                zero_count=(finite == 0).sum(), underflow=(finite < edges[0]).sum(),
                overflow=(finite > edges[-1]).sum())


def check(summary, values: np.ndarray):
    ref = reference(values, summary.edges)
    np.testing.assert_array_equal(summary.counts, ref["counts"])
    for key in ("count", "nan_count", "inf_count", "zero_count", "underflow", "overflow"):
        assert getattr(summary, key) == ref[key], key
    if ref["count"]:
        finite = values.astype(np.float64)[np.isfinite(values.astype(np.float64))]
        assert summary.min == finite.min() and summary.max == finite.max()
        assert summary.mean == pytest.approx(ref["mean"], rel=1e-13, abs=1e-13)
        for k in ("m2", "m3", "m4"):
            assert getattr(summary, k) == pytest.approx(ref[k], rel=1e-9, abs=1e-9), k


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


def test_bin_counts_rule_on_each_edge():
    edges = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    x = torch.tensor([0.0, 1.0, 2.0, 3.0, -1e-300, 3.0000000000000004], dtype=torch.float64)
    counts, under, over = bin_counts(x, edges)
    assert counts.tolist() == [1, 1, 2] and int(under) == 1 and int(over) == 1


def test_fine_edges_refine_the_coarse_edges():
    edges = np.array([-3.0, -1.0, 0.5, 7.0])
    fine = fine_edges_for(edges, 100)
    assert np.all(np.diff(fine) > 0)
    assert set(edges).issubset(set(fine))
    x = np.random.default_rng(3).uniform(-3, 7, 1000)
    fine_counts = np.histogram(x, bins=fine)[0]
    coarse = np.add.reduceat(fine_counts, np.searchsorted(fine, edges[:-1]))
    np.testing.assert_array_equal(coarse, np.histogram(x, bins=edges)[0])
