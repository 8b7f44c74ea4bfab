"""Histograms and statistics of values without a run: ``compute``, ``histogram`` and the
checks of binning options that logging shares. Below the run module (``_run``) and the
distributed path (``_distributed``), which both use it."""

from __future__ import annotations

import math
import numbers
from ctypes import byref, c_size_t
from typing import Any, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _adapt, _ffi
from ._data import HistogramData, from_stats

LogScale = Union[bool, str]

_lib = _ffi.lib
_values_buffer = _adapt.values_buffer
_bin_config = _adapt.bin_config
_buffer_address = _adapt.buffer_address
# By element type (_adapt.FLOAT32, FLOAT64, BFLOAT16).
_COMPUTE = (_lib.hl_compute_f32, _lib.hl_compute_f64, _lib.hl_compute_bf16)
_HISTOGRAM = (_lib.hl_histogram_f32, _lib.hl_histogram_f64, _lib.hl_histogram_bf16)


def check_no_binning_options(num_bins: Any, log_scale: Any, range: Any, what: str) -> None:
    """Refuses ``num_bins``, ``log_scale`` and ``range`` other than their defaults where the bins
    are given (``what``): explicit edges, or a pre-computed histogram."""
    given = [
        name
        for name, value, default in (
            ("num_bins", num_bins, _adapt.DEFAULT_BINS),
            ("log_scale", log_scale, False),
            ("range", range, None),
        )
        if not (value is default or (name == "num_bins" and type(value) is int and value == _adapt.DEFAULT_BINS))
    ]
    if given:
        raise ValueError(f"{', '.join(given)} cannot apply to {what}: its bins are given")


# ---------------------------------------------------------------------------------------
# compute
# ---------------------------------------------------------------------------------------


def compute(
    values: Any,
    *,
    bins: Optional[ArrayLike] = None,
    num_bins: int = _adapt.DEFAULT_BINS,
    log_scale: LogScale = False,
    range: Optional[Tuple[float, float]] = None,
) -> HistogramData:
    """The histogram and statistics of ``values`` (as ``log_histogram`` takes them), without
    logging: ``name``, ``step`` and ``timestamp`` of the result are None. ``bins`` gives explicit
    edges; otherwise ``num_bins``, ``log_scale`` and ``range`` choose them."""
    stats = _ffi.Stats()
    edges, counts = _binned(values, bins, num_bins, log_scale, range, _COMPUTE, stats)
    return from_stats(stats, edges, counts)


def histogram(
    values: Any,
    num_bins: int = _adapt.DEFAULT_BINS,
    range: Optional[Tuple[float, float]] = None,
    bins: Optional[ArrayLike] = None,
    log_scale: LogScale = False,
) -> HistogramData:
    """The histogram alone of ``values`` (as ``log_histogram`` takes them), for what TensorBoard
    shows and nothing more: ``bin_edges``, ``counts``, ``min_value``, ``max_value``,
    ``total_count``, ``nan_count``, ``inf_count``, ``underflow_count``, ``overflow_count`` — the
    same as ``compute`` gives, in two passes over the values instead of three. The statistics are
    not computed: ``mean``, ``std``, ``skewness``, ``kurtosis``, ``median``, the ``quantiles``,
    ``sum`` and ``sum_squares`` are NaN, ``zero_count`` and ``outlier_count`` are None."""
    totals = _ffi.HistogramTotals()
    edges, counts = _binned(values, bins, num_bins, log_scale, range, _HISTOGRAM, totals)
    nan = math.nan
    return HistogramData(
        name=None, step=None, timestamp=None, bin_edges=edges, counts=counts,
        min_value=totals.min, max_value=totals.max, total_count=totals.total_count,
        mean=nan, std=nan, quantiles=dict.fromkeys(_ffi.QUANTILE_PROBABILITIES, nan), median=nan, skewness=nan,
        kurtosis=nan, zero_count=None, outlier_count=None, nan_count=totals.nan_count, inf_count=totals.inf_count,
        underflow_count=totals.underflow_count, overflow_count=totals.overflow_count,
    )


def set_max_threads(threads: int) -> int:
    """Lets one summary (``compute``, ``histogram``, ``log_histogram``) use up to ``threads``
    threads, never more than the processors online; returns the previous setting. The default, 1,
    keeps the work on the calling thread: a training job's other threads (torch's intra-op pool,
    data loaders, other ranks) usually own the other cores. Inputs of more than 2^18 values are
    split into chunks of 2^18; the results are the same whatever the thread count."""
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral):
        raise TypeError(f"threads must be an int, got {type(threads).__name__}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    return _lib.hl_set_max_threads(min(int(threads), 2**31 - 1))


def _binned(
    values: Any, bins: Any, num_bins: Any, log_scale: Any, range: Any, functions: Tuple[Any, Any, Any], out: Any
) -> Tuple[np.ndarray, np.ndarray]:
    """Calls ``hl_compute_*`` or ``hl_histogram_*`` (``functions``: the f32, f64 and bf16 forms)
    with ``out`` as its last argument; returns the edges and counts."""
    address, n, element, owner = _values_buffer(values)
    if bins is None:
        config = _bin_config(num_bins, log_scale, range)
        capacity = num_bins
    else:
        check_no_binning_options(num_bins, log_scale, range, "bins (explicit edges)")
        edge_list = _adapt.float64_array(bins, "bins")
        config = _adapt.edges_config(edge_list)
        capacity = max(edge_list.size - 1, 1)
    function = functions[element]
    n_bins = c_size_t()
    while True:
        edges = np.empty(capacity + 1, dtype=np.float64)
        counts = np.empty(capacity, dtype=np.float64)
        status = function(
            address, n, config, _buffer_address(edges), capacity + 1, _buffer_address(counts), capacity, byref(n_bins), byref(out)
        )
        if status != _ffi.HL_ESIZE:
            break
        capacity = n_bins.value  # the library chose more bins than asked (log scale)
    del owner
    used = n_bins.value
    if used != capacity:
        edges, counts = edges[: used + 1].copy(), counts[:used].copy()
    return edges, counts
