"""``HistogramData``: one histogram with its statistics, as the library computed or read it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np

from . import _ffi

_ESTIMATED_NAMES = (
    (_ffi.HL_ESTIMATED_MOMENTS, "moments"),
    (_ffi.HL_ESTIMATED_QUANTILES, "quantiles"),
    (_ffi.HL_ESTIMATED_OUTLIERS, "outliers"),
    (_ffi.HL_ESTIMATED_MINMAX, "extremes"),
)


@dataclass
class HistogramData:
    """A histogram (``bin_edges``, ``counts``) and the statistics of the values behind it.

    Conventions (the same in every histlog binding): NaN and ±Inf are never binned, only counted
    (``nan_count``, ``inf_count``); ``total_count`` is the number of finite values; ``std`` has
    ddof = 1; ``skewness`` and ``kurtosis`` are the bias-corrected G1 and excess G2; quantiles use
    numpy's linear interpolation. Undefined statistics are NaN. For a pre-computed histogram the
    statistics listed in ``estimated_statistics`` were estimated from the bins, and ``zero_count``
    is None (unknown). ``histlog.histogram`` computes no statistics: they are NaN there, and
    ``zero_count`` and ``outlier_count`` None.
    """

    name: Optional[str]
    step: Optional[int]
    timestamp: Optional[float]
    bin_edges: np.ndarray
    counts: np.ndarray
    min_value: float
    max_value: float
    total_count: int
    mean: float
    std: float
    quantiles: Dict[float, float]
    median: float
    skewness: float
    kurtosis: float
    zero_count: Optional[int]
    outlier_count: Optional[int]
    nan_count: int
    inf_count: int
    underflow_count: int = 0
    overflow_count: int = 0
    sum: float = math.nan
    sum_squares: float = math.nan
    estimated_statistics: Tuple[str, ...] = field(default=())

    @property
    def estimated(self) -> bool:
        """True when any statistic was estimated from the bins rather than computed exactly."""
        return bool(self.estimated_statistics)

    @property
    def num_bins(self) -> int:
        return len(self.counts)

    def to_numpy(self) -> Tuple[np.ndarray, np.ndarray]:
        """``(counts, bin_edges)``, in the order ``numpy.histogram`` returns them."""
        return self.counts, self.bin_edges

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict in the run format's field names (undefined numbers become None)."""

        def number(value: float) -> Optional[float]:
            return value if math.isfinite(value) else None

        return {
            "name": self.name,
            "step": self.step,
            "timestamp": self.timestamp,
            "bin_edges": self.bin_edges.tolist(),
            "counts": self.counts.tolist(),
            "min_value": number(self.min_value),
            "max_value": number(self.max_value),
            "total_count": self.total_count,
            "nan_count": self.nan_count,
            "inf_count": self.inf_count,
            "underflow_count": self.underflow_count,
            "overflow_count": self.overflow_count,
            "zero_count": self.zero_count,
            "outlier_count": self.outlier_count,
            "sum": number(self.sum),
            "sum_squares": number(self.sum_squares),
            "mean": number(self.mean),
            "std": number(self.std),
            "skewness": number(self.skewness),
            "kurtosis": number(self.kurtosis),
            "quantiles": {str(p): number(q) for p, q in self.quantiles.items()},
            "median": number(self.median),
            "estimated": self.estimated,
            "estimated_statistics": list(self.estimated_statistics),
        }

    def __repr__(self) -> str:
        label = f"{self.name!r} step {self.step}" if self.name is not None else "computed"
        bins = f"{self.num_bins} bins"
        if self.bin_edges.size:
            bins += f" over [{self.bin_edges[0]:.6g}, {self.bin_edges[-1]:.6g}]"
        estimated = f", estimated {'/'.join(self.estimated_statistics)}" if self.estimated else ""
        return (
            f"HistogramData({label}: {bins}, total_count={self.total_count}, mean={self.mean:.6g}, "
            f"std={self.std:.6g}, nan_count={self.nan_count}, inf_count={self.inf_count}{estimated})"
        )


def from_stats(
    stats: _ffi.Stats,
    edges: np.ndarray,
    counts: np.ndarray,
    name: Optional[str] = None,
    step: Optional[int] = None,
    timestamp: Optional[float] = None,
) -> HistogramData:
    """A ``HistogramData`` from an ``hl_stats`` and the bins it goes with."""
    quantiles = stats.quantiles
    return HistogramData(
        name=name,
        step=step,
        timestamp=timestamp,
        bin_edges=edges,
        counts=counts,
        min_value=stats.min,
        max_value=stats.max,
        total_count=stats.total_count,
        mean=stats.mean,
        std=stats.std,
        quantiles=dict(zip(_ffi.QUANTILE_PROBABILITIES, quantiles)),
        median=stats.median,
        skewness=stats.skewness,
        kurtosis=stats.kurtosis,
        zero_count=None if stats.zero_count < 0 else stats.zero_count,
        outlier_count=stats.outlier_count,
        nan_count=stats.nan_count,
        inf_count=stats.inf_count,
        underflow_count=stats.underflow_count,
        overflow_count=stats.overflow_count,
        sum=stats.sum,
        sum_squares=stats.sum_squares,
        estimated_statistics=tuple(label for bit, label in _ESTIMATED_NAMES if stats.estimated & bit),
    )
