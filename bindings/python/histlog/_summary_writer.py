"""``histlog.SummaryWriter``: ``torch.utils.tensorboard.SummaryWriter`` with its histograms
computed and recorded by histlog.

Every method is torch's and lands in the same ``log_dir``; only three things differ:

- ``add_histogram`` and ``add_histogram_raw`` go through histlog: each call appends a record to
  ``log_dir/histograms/<key>.json`` and writes ONE histogram event with histlog's exact
  statistics (torch's own histogram code does not run, so TensorBoard shows each step once).
- The events of ``log_dir`` itself (scalars, text, images, graphs, histograms) go into the
  histlog run's single event file, in call order. TensorBoard follows only the newest event file
  of a directory for new data, so two files written side by side would hide one's updates until
  TensorBoard restarts. ``add_scalars`` and ``add_hparams`` keep writing torch's own files into
  their sub-directories, as with torch.
- Events are written by histlog's background writer, each as soon as it is dequeued: they do
  not wait for ``max_queue`` or ``flush_secs`` (accepted, and used by the sub-directory writers).

``bins`` of ``add_histogram``:

- ``"tensorflow"`` (TensorBoard's default, an exponential bucket list of ~1,500 edges):
  30 bins chosen by the library, ``log_scale="auto"`` (equal width, or symmetric log bins when
  the values span many decades). TensorBoard re-bins for display in any case.
- an int: that many equal-width bins over [min, max].
- a numpy estimator name (``"auto"``, ``"fd"``, ``"doane"``, ``"scott"``, ``"stone"``, ``"rice"``,
  ``"sturges"``, ``"sqrt"``): the edges ``numpy.histogram_bin_edges`` picks for the finite
  values, as TensorBoard's ``numpy.histogram`` call would.
- a sequence: explicit edges.

``max_bins`` merges neighbouring bins exactly as torch does when there are more bins than that:
groups of ``bins // max_bins`` bins (the last group may be shorter), so the result can still have
a few more than ``max_bins`` bins, as with torch. With ``"tensorflow"`` it caps the 30 bins.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter
from torch.utils.tensorboard.writer import FileWriter

from . import _adapt, _ffi
from ._run import Run

_NUMPY_ESTIMATORS = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")


class _RunEventWriter:
    """The part of TensorBoard's ``EventFileWriter`` that torch's ``FileWriter`` calls, over a
    histlog run: every event goes into the run's own event file."""

    def __init__(self, log_dir: str) -> None:
        self._log_dir = log_dir
        self.run = Run(log_dir)

    def get_logdir(self) -> str:
        return self._log_dir

    def add_event(self, event: Event) -> None:
        """Appends the event to the run's event file, after everything logged before it
        (``hl_log_tensorboard_event``)."""
        serialized = event.SerializeToString()
        with self.run.borrowed() as handle:
            _ffi.lib.hl_log_tensorboard_event(handle, serialized, len(serialized))

    def flush(self) -> None:
        self.run.flush()

    def close(self) -> None:
        self.run.close()

    def reopen(self) -> None:
        if self.run.closed:
            self.run = Run(self._log_dir)


class _RunFileWriter(FileWriter):
    """torch's ``FileWriter`` writing into a histlog run instead of an event file of its own."""

    def __init__(self, log_dir: Any) -> None:  # FileWriter.__init__ would create torch's event file
        self.event_writer = _RunEventWriter(str(log_dir))

    @property
    def run(self) -> Run:
        run: Run = self.event_writer.run
        return run


def _merge_edges(edges: np.ndarray, max_bins: Optional[int]) -> np.ndarray:
    """torch's ``make_histogram`` merging: groups of ``bins // max_bins`` neighbouring bins."""
    bins = edges.size - 1
    if max_bins is None or bins <= max_bins:
        return edges
    group = bins // max_bins
    return np.append(edges[:-1:group], edges[-1])


def _as_numpy(values: Any) -> np.ndarray:
    import torch

    if isinstance(values, torch.Tensor):
        values = values.detach().cpu()
        if values.dtype == torch.bfloat16:
            values = values.float()
        values = values.numpy()
    return np.asarray(values)


class SummaryWriter(TorchSummaryWriter):
    """``torch.utils.tensorboard.SummaryWriter`` whose histograms go through histlog, into a
    histlog run at ``log_dir`` (``.run``): switching is a one-line import change."""

    def _get_file_writer(self) -> "_RunFileWriter":
        """As torch's: the writer of ``log_dir``, opened again after ``close()``."""
        writer = self.file_writer
        if self.all_writers is None or not isinstance(writer, _RunFileWriter):
            writer = _RunFileWriter(self.log_dir)
            # torch declares these None until its own writer opens
            self.file_writer = writer  # type: ignore[assignment]
            self._histlog_run = writer.run
            self.all_writers = {writer.get_logdir(): writer}  # type: ignore[assignment, no-untyped-call]
            if self.purge_step is not None:
                writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                writer.add_event(Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return writer

    @property
    def run(self) -> Run:
        """The histlog run at ``log_dir`` (closed by ``close()``; the next ``add_*`` opens it again)."""
        run: Run = self._histlog_run
        return run

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: Optional[int] = None,
        bins: Union[str, int, Sequence[float]] = "tensorflow",
        walltime: Optional[float] = None,
        max_bins: Optional[int] = None,
    ) -> None:
        """Logs the histogram of ``values`` (any tensor, array or sequence; NaN and ±Inf counted,
        not binned) under ``tag`` at ``global_step`` (0 when None); ``bins`` as in the module doc."""
        run = self._get_file_writer().run
        step = 0 if global_step is None else int(global_step)
        if max_bins is not None:
            if isinstance(max_bins, bool) or not isinstance(max_bins, (int, np.integer)):
                raise TypeError(f"max_bins must be an int, got {type(max_bins).__name__}")
            if max_bins < 1:
                raise ValueError(f"max_bins must be >= 1, got {max_bins}")
        if isinstance(bins, str) and bins == "tensorflow":
            num_bins = _adapt.DEFAULT_BINS if max_bins is None else min(_adapt.DEFAULT_BINS, int(max_bins))
            run.log_histogram(values, key=tag, step=step, num_bins=num_bins, log_scale="auto", timestamp=walltime)
            return
        is_count = isinstance(bins, (int, np.integer)) and not isinstance(bins, bool)
        if isinstance(bins, (int, np.integer)) and is_count and (max_bins is None or bins <= max_bins):
            run.log_histogram(values, key=tag, step=step, num_bins=int(bins), timestamp=walltime)
            return
        if isinstance(bins, str) or is_count:
            if isinstance(bins, str) and bins not in _NUMPY_ESTIMATORS:
                raise ValueError(
                    f'bins must be an int, a sequence of edges, "tensorflow" or one of {_NUMPY_ESTIMATORS}, got {bins!r}'
                )
            array = _as_numpy(values).ravel()
            finite = array[np.isfinite(array)] if array.dtype.kind in "fc" else array
            if finite.size == 0:  # nothing to place edges on: an empty record, NaN/Inf counted
                run.log_histogram(values, key=tag, step=step, timestamp=walltime)
                return
            edges = np.histogram_bin_edges(finite, bins=bins)
        else:
            edges = _adapt.float64_array(bins, "bins")
        run.log_histogram(values, key=tag, step=step, bins=_merge_edges(edges, max_bins), timestamp=walltime)

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
        """Logs a histogram given in TensorBoard's form, bucket i holding ``bucket_counts[i]``
        values up to ``bucket_limits[i]``: the event gets every argument exactly as given (``num``
        may disagree with the counts, as torch allows); the JSON record holds what the buckets say
        (their total, edges as TensorBoard reads them, statistics estimated from them)."""
        limits = _adapt.float64_array(bucket_limits, "bucket_limits")
        counts = _adapt.float64_array(bucket_counts, "bucket_counts")
        if limits.size != counts.size:
            raise ValueError(
                f"bucket_limits and bucket_counts must have the same length, got {limits.size} and {counts.size}"
            )
        histogram = _ffi.TensorBoardHistogram(
            min=_number(min, "min"),
            max=_number(max, "max"),
            num=_number(num, "num"),
            sum=_number(sum, "sum"),
            sum_squares=_number(sum_squares, "sum_squares"),
            bucket_limits=_adapt.address(limits),
            bucket_counts=_adapt.address(counts),
            n_buckets=limits.size,
        )
        key, step = _adapt.key_bytes(tag, "tag"), 0 if global_step is None else int(global_step)
        at = float("nan") if walltime is None else _adapt.timestamp_float(walltime, "walltime")
        with self._get_file_writer().run.borrowed() as handle:
            _ffi.lib.hl_log_tensorboard_histogram(handle, key, step, at, histogram)


def _number(value: Any, argument: str) -> float:
    """A number (int, float, numpy or 0-d torch scalar) as a float; text is not a number."""
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be a number, got {type(value).__name__}") from None
