"""``histlog.SummaryWriter``: the histogram part of ``torch.utils.tensorboard.SummaryWriter``.

Switching is a one-line import change; the run directory gets histlog's JSON files and a
TensorBoard event file, so ``tensorboard --logdir`` shows the same histograms as before.

``bins`` of ``add_histogram``:

- ``"tensorflow"`` (TensorBoard's default, an exponential bucket list of ~1,500 edges):
  30 bins chosen by the library, ``log_scale="auto"`` (equal width, or symmetric log bins when
  the values span many decades). TensorBoard re-bins for display in any case.
- an int: that many equal-width bins over [min, max].
- a numpy estimator name (``"auto"``, ``"fd"``, ``"doane"``, ``"scott"``, ``"stone"``, ``"rice"``,
  ``"sturges"``, ``"sqrt"``): the edges ``numpy.histogram_bin_edges`` picks for the finite
  values, as TensorBoard's ``numpy.histogram`` call would.
- a sequence: explicit edges.

``max_bins`` merges neighbouring bins, as TensorBoard does, when there are more bins than that.
"""

from __future__ import annotations

import math
import os
import socket
import sys
from datetime import datetime
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import _adapt
from ._run import Run

_NUMPY_ESTIMATORS = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")


def _default_log_dir(comment: str) -> str:
    # torch.utils.tensorboard's default: runs/<date>_<hostname><comment>
    return os.path.join("runs", datetime.now().strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname() + comment)


def _merge_edges(edges: np.ndarray, max_bins: Optional[int]) -> np.ndarray:
    """Keeps every k-th edge (and the last) so that at most ``max_bins`` bins remain."""
    bins = edges.size - 1
    if max_bins is None or bins <= max_bins:
        return edges
    step = math.ceil(bins / max_bins)
    kept = edges[::step]
    return kept if kept[-1] == edges[-1] else np.append(kept, edges[-1])


def _as_numpy(values: Any) -> np.ndarray:
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(values, torch.Tensor):
        values = values.detach().cpu()
        if values.dtype in (torch.bfloat16,):
            values = values.float()
        values = values.numpy()
    return np.asarray(values)


class SummaryWriter:
    """Writes histograms to ``log_dir`` as ``torch.utils.tensorboard.SummaryWriter`` would, through
    histlog. Only the histogram methods exist; the others raise ``NotImplementedError``.
    ``purge_step``, ``max_queue``, ``flush_secs`` and ``filename_suffix`` are accepted for
    compatibility and ignored (histlog writes in the background and flushes on ``flush()``)."""

    def __init__(
        self,
        log_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
        comment: str = "",
        purge_step: Optional[int] = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        self.log_dir = os.fspath(log_dir) if log_dir is not None else _default_log_dir(comment)
        self._run = Run(self.log_dir)

    def get_logdir(self) -> str:
        return self.log_dir

    @property
    def run(self) -> Run:
        """The histlog run behind this writer."""
        return self._run

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: Optional[int] = None,
        bins: Union[str, int, Sequence[float]] = "tensorflow",
        walltime: Optional[float] = None,
        max_bins: Optional[int] = None,
    ) -> None:
        """Logs the histogram of ``values`` under ``tag`` at ``global_step`` (0 when None)."""
        step = 0 if global_step is None else global_step
        if max_bins is not None:
            if isinstance(max_bins, bool) or not isinstance(max_bins, int):
                raise TypeError(f"max_bins must be an int, got {type(max_bins).__name__}")
            if max_bins < 1:
                raise ValueError(f"max_bins must be >= 1, got {max_bins}")
        if isinstance(bins, str):
            if bins == "tensorflow":
                num_bins = 30 if max_bins is None else min(30, max_bins)
                self._run.log_histogram(
                    values, key=tag, step=step, num_bins=num_bins, log_scale="auto", timestamp=walltime
                )
                return
            if bins not in _NUMPY_ESTIMATORS:
                raise ValueError(
                    f'bins must be an int, a sequence of edges, "tensorflow" or one of {_NUMPY_ESTIMATORS}, got {bins!r}'
                )
            array = _as_numpy(values).ravel()
            finite = array[np.isfinite(array)] if array.dtype.kind in "fc" else array
            if finite.size == 0:
                self._run.log_histogram(values, key=tag, step=step, timestamp=walltime)
                return
            edges = _merge_edges(np.histogram_bin_edges(finite, bins=bins), max_bins)
            self._run.log_histogram(values, key=tag, step=step, bins=edges, timestamp=walltime)
            return
        if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
            num_bins = int(bins) if max_bins is None else min(int(bins), max_bins)
            self._run.log_histogram(values, key=tag, step=step, num_bins=num_bins, timestamp=walltime)
            return
        edges = _merge_edges(_adapt.float64_array(bins, "bins"), max_bins)
        self._run.log_histogram(values, key=tag, step=step, bins=edges, timestamp=walltime)

    def add_histogram_raw(
        self,
        tag: str,
        min: float,
        max: float,
        num: int,
        sum: float,
        sum_squares: float,
        bucket_limits: Sequence[float],
        bucket_counts: Sequence[float],
        global_step: Optional[int] = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Logs a histogram given in TensorBoard's form: ``bucket_limits[i]`` is bucket i's right
        edge. As in TensorBoard's own histograms, a leading empty bucket marks the left edge of the
        next one; otherwise ``min`` is the left edge of the first. The result is a pre-computed
        histogram: its statistics are estimated from the buckets (``max``, ``num``, ``sum`` and
        ``sum_squares`` cannot give exact skewness and kurtosis, so they are not used)."""
        limits = _adapt.float64_array(bucket_limits, "bucket_limits")
        counts = _adapt.float64_array(bucket_counts, "bucket_counts")
        if limits.size != counts.size:
            raise ValueError(
                f"bucket_limits and bucket_counts must have the same length, got {limits.size} and {counts.size}"
            )
        if limits.size == 0:
            raise ValueError("bucket_limits must not be empty")
        if limits.size >= 2 and counts[0] == 0:
            edges, counts = limits, counts[1:]
        else:
            left = float(min)
            if not left < limits[0]:
                width = limits[1] - limits[0] if limits.size >= 2 else 1.0
                left = limits[0] - width
            edges = np.concatenate(([left], limits))
        step = 0 if global_step is None else global_step
        self._run.log_histogram(bins=edges, counts=counts, key=tag, step=step, timestamp=walltime)

    def flush(self) -> None:
        self._run.flush()

    def close(self) -> None:
        self._run.close()

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("add_"):

            def not_implemented(*args: Any, **kwargs: Any) -> None:
                raise NotImplementedError(
                    f"histlog.SummaryWriter records histograms only (add_histogram, add_histogram_raw); "
                    f"for {name} use torch.utils.tensorboard.SummaryWriter next to it (both can write "
                    f"into the same log_dir)"
                )

            not_implemented.__name__ = name
            return not_implemented
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
