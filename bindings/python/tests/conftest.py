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


def assert_matches_numpy(data, values, *, edges_from_data=True, rel=1e-12):
    """Every statistic of `data` against numpy / scipy on the same values (float64)."""
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
        np.testing.assert_allclose(data.bin_edges, np.histogram_bin_edges(finite, bins=data.counts.size), rtol=1e-12)
    assert data.min_value == finite.min() and data.max_value == finite.max()
    assert data.mean == pytest.approx(finite.mean(), rel=rel, abs=1e-300)
    assert data.sum == pytest.approx(finite.sum(), rel=1e-9, abs=1e-9)
    assert data.zero_count == int((finite == 0).sum())
    assert list(data.quantiles) == [0.1, 0.25, 0.5, 0.75, 0.9]
    np.testing.assert_allclose(list(data.quantiles.values()), np.quantile(finite, [0.1, 0.25, 0.5, 0.75, 0.9]), rtol=rel)
    assert data.median == pytest.approx(np.median(finite), rel=rel)
    if finite.size >= 2:
        std = finite.std(ddof=1)
        assert data.std == pytest.approx(std, rel=1e-9, abs=1e-300)
        if std > 0:
            assert data.outlier_count == int((np.abs(finite - finite.mean()) > 3 * std).sum())
    else:
        assert math.isnan(data.std)
    if finite.size >= 4 and finite.std() > 0:
        assert data.skewness == pytest.approx(scipy.stats.skew(finite, bias=False), rel=1e-8, abs=1e-10)
        assert data.kurtosis == pytest.approx(scipy.stats.kurtosis(finite, bias=False), rel=1e-8, abs=1e-10)
