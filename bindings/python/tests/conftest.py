"""Shared fixtures: every test logs under its own temporary $HISTLOG_DIR and ends its run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def runs_directory(tmp_path, monkeypatch):
    import histlog

    directory = tmp_path / "histlog-runs"
    monkeypatch.setenv("HISTLOG_DIR", str(directory))
    yield directory
    histlog.unwatch()
    histlog.end_run()


def assert_matches_numpy(data, values, *, edges_from_data=True, rel=1e-12, edges_dtype=None):
    """Every statistic of `data` against numpy / scipy on the same values (float64).

    Default edges are numpy's for the values' own precision: float32 (and float16, which
    reaches the engine as float32) data get float32 edges, as ``np.histogram_bin_edges`` gives.
    Counts are checked exactly with ``np.histogram`` on the returned edges.
    """
    if edges_dtype is None:
        kind = np.asarray(values).dtype
        edges_dtype = np.float32 if kind in (np.float32, np.float16) else np.float64
    x = np.asarray(values, dtype=np.float64).ravel()
    finite = x[np.isfinite(x)]
    assert data.total_count == finite.size
    assert data.nan_count == int(np.isnan(x).sum())
    assert data.inf_count == int(np.isinf(x).sum())
    assert not data.estimated and data.estimated_statistics == ()
    assert data.bin_edges.size == data.counts.size + 1
    assert np.all(np.diff(data.bin_edges) > 0)
    inside = finite[(finite >= data.bin_edges[0]) & (finite <= data.bin_edges[-1])]
    np.testing.assert_array_equal(data.counts, np.histogram(inside, bins=data.bin_edges)[0])
    assert data.underflow_count == int((finite < data.bin_edges[0]).sum())
    assert data.overflow_count == int((finite > data.bin_edges[-1]).sum())
    if finite.size == 0:
        for value in (data.min_value, data.max_value, data.mean, data.std, data.median, data.skewness, data.kurtosis):
            assert math.isnan(value)
        assert all(math.isnan(q) for q in data.quantiles.values())
        return
    if edges_from_data and finite.min() < finite.max():
        # numpy's linspace edges; the engine's interior edges may sit a few units in the last
        # place (of the data's type) away, at the thresholds its bin formula really uses
        expected = np.histogram_bin_edges(finite.astype(edges_dtype), bins=data.counts.size)
        ulp = np.spacing(edges_dtype(np.abs(expected).max()))
        np.testing.assert_allclose(data.bin_edges, expected, rtol=0, atol=8 * float(ulp))
        assert data.bin_edges[0] == expected[0] and data.bin_edges[-1] == expected[-1]
    assert data.min_value == finite.min() and data.max_value == finite.max()
    assert data.mean == pytest.approx(finite.mean(), rel=rel, abs=1e-300)
    assert data.sum == pytest.approx(finite.sum(), rel=1e-9, abs=1e-9)
    assert data.zero_count == int((finite == 0).sum())
    assert list(data.quantiles) == [0.1, 0.25, 0.5, 0.75, 0.9]
    # numpy interpolates in the data's own precision: float32 data give float32 quantiles, whose
    # rounding error scales with the neighbouring values (a result near zero between -a and b)
    native = finite.astype(edges_dtype)
    quantile_rel = rel if edges_dtype == np.float64 else max(rel, 2.5e-7)
    quantile_abs = 4 * np.finfo(edges_dtype).eps * np.abs(finite).max()
    expected_quantiles = np.quantile(native, [0.1, 0.25, 0.5, 0.75, 0.9]).astype(np.float64)
    np.testing.assert_allclose(list(data.quantiles.values()), expected_quantiles, rtol=quantile_rel, atol=quantile_abs)
    assert data.median == pytest.approx(float(np.median(native)), rel=quantile_rel, abs=quantile_abs)
    if finite.size >= 2:
        std = finite.std(ddof=1)
        assert data.std == pytest.approx(std, rel=1e-9, abs=1e-300)
        if std > 0:
            assert data.outlier_count == int((np.abs(finite - finite.mean()) > 3 * std).sum())
    else:
        assert math.isnan(data.std)
    if finite.size >= 4 and finite.std() > 0:
        centred = finite - finite.mean()  # scipy loses digits on data far from zero (1e8 + noise)
        assert data.skewness == pytest.approx(scipy.stats.skew(centred, bias=False), rel=1e-8, abs=1e-10)
        assert data.kurtosis == pytest.approx(scipy.stats.kurtosis(centred, bias=False), rel=1e-8, abs=1e-10)


def assert_applied_steps_logged(run_path, applied, steps, names):
    """A framework callback's run holds one record of each parameter and gradient in ``names`` at
    each of ``steps``, equal to what the optimizer applied then (``applied[step][name]`` is a
    ``(parameter, gradient)`` pair of numpy arrays), and no other parameter or gradient."""
    import histlog

    reader = histlog.open_run(run_path)
    logged = [key for key in reader.keys() if key.startswith(("Parameters/", "Gradients/"))]
    assert sorted(logged) == sorted(f"{kind}/{name}" for kind in ("Parameters", "Gradients") for name in names)
    for name in names:
        for index, kind in enumerate(("Parameters", "Gradients")):
            assert reader.steps(f"{kind}/{name}") == list(steps), f"{kind}/{name}"
            assert len(reader.history(f"{kind}/{name}")) == len(steps)
            for step in steps:
                assert_matches_numpy(reader.get(f"{kind}/{name}", step), applied[step][name][index])


def assert_scaler_skip_logged(run_path, applied, name):
    """A callback with every=2 over 6 steps of which a GradScaler skipped step 2: records of
    ``name`` at 0, 2 and 4 equal what the optimizer applied (``applied`` as above); step 2 holds
    the non-finite gradients that made the scaler skip and the parameters the skip left unchanged;
    the applied steps' gradients are unscaled."""
    import histlog

    assert_applied_steps_logged(run_path, applied, [0, 2, 4], [name])
    reader = histlog.open_run(run_path)
    skipped = reader.get(f"Gradients/{name}", 2)
    assert skipped.nan_count + skipped.inf_count > 0
    np.testing.assert_array_equal(applied[2][name][0], applied[3][name][0])
    for step in (0, 4):  # what the optimizer applied, not the loss scale (65,536) times more
        assert reader.get(f"Gradients/{name}", step).max_value < 10
