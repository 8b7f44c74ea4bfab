"""Runs (``Run``, the active run, the default run) and ``compute``."""

from __future__ import annotations

import atexit
import os
import secrets
import sys
import threading
import time
import weakref
from ctypes import byref, sizeof
from typing import Any, Callable, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _adapt, _compute, _ffi
from ._compute import LogScale
from ._handle import HandleOwner

PathLike = Union[str, "os.PathLike[str]"]

_lib = _ffi.lib
_key_bytes = _adapt.key_bytes
_values_buffer = _adapt.values_buffer
_bin_config = _adapt.bin_config
# By element type (_adapt.FLOAT32, FLOAT64, BFLOAT16).
_hl_log = (_lib.hl_log_values_f32, _lib.hl_log_values_f64, _lib.hl_log_values_bf16)
_hl_log_at = (_lib.hl_log_values_f32_at, _lib.hl_log_values_f64_at, _lib.hl_log_values_bf16_at)


def runs_directory() -> str:
    """Where runs without an explicit path go: ``$HISTLOG_DIR``, else ``./histlog-runs``."""
    return os.environ.get("HISTLOG_DIR") or os.path.join(os.getcwd(), "histlog-runs")


def new_run_name() -> str:
    """A fresh run name: local date and time plus a short random suffix (sorts by start time)."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


_open_runs: "weakref.WeakSet[Run]" = weakref.WeakSet()


class Run(HandleOwner):
    """A run directory open for logging: ``<path>/histograms/*.json`` plus a TensorBoard event file.

    Owns one ``hl_run`` handle. Logging is thread-safe; ``close()`` (or leaving a ``with`` block)
    waits for logging calls in flight, flushes and releases it. Runs still open when the
    interpreter exits are closed (and so flushed) then.

    Records are written by a background thread. If a write fails (a full disk, the run directory
    deleted), it is undone in the file — every JSON file stays a valid JSON array, the event file
    keeps whole records only — and the next ``log_histogram``, ``flush()`` or ``close()`` raises
    ``OSError`` (``histlog.StorageError``) with ``errno`` set and the key, step and file named;
    a ``log_histogram`` that raises it logged nothing. The run goes on: once space is free again,
    later records are written as usual.
    """

    _what = "run"

    def __init__(self, path: PathLike, *, durable: bool = False, _mlflow: Any = None, _wandb: Any = None) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        if type(durable) is not bool:
            raise TypeError(f"durable must be a bool, got {type(durable).__name__}")
        _adapt.path_bytes(path)
        self.path: str = os.path.abspath(os.fspath(path))
        self.durable = durable
        self._mlflow = _mlflow
        self._wandb = _wandb
        self._handle = None
        options = _ffi.RunOptions()
        _lib.hl_run_options_init(byref(options), sizeof(options))
        options.durable = durable
        handle = _ffi.RunPointer()
        _lib.hl_run_open_with(byref(handle), _adapt.path_bytes(self.path), byref(options))
        HandleOwner.__init__(self, handle, _lib.hl_run_close, repr(self.path))
        _open_runs.add(self)
        if _wandb is not None:
            _wandb.listen(self)

    @property
    def name(self) -> str:
        """The run directory's base name."""
        return os.path.basename(self.path)

    def flush(self) -> None:
        """Returns when everything logged before is written to the operating system (it then
        survives the process being killed) and, for a ``durable`` run, fsynced (it then survives a
        power cut); with a remote MLflow run, also uploads the JSON files. Raises ``OSError`` for
        a write that failed since the last report (see the class)."""
        handle = self.borrow()
        try:
            _lib.hl_run_flush(handle)
        finally:
            self.give_back()
        if self._mlflow is not None:
            self._mlflow.upload(self.path)

    def close(self) -> None:
        """Waits for logging calls in flight, flushes (raising ``OSError`` if the records cannot be
        written) and releases the run; later logging raises. Closing twice is a no-op."""
        global _active_run
        handle = self._detach()
        if handle is None:
            return
        _open_runs.discard(self)
        try:
            _lib.hl_run_flush(handle)  # hl_run_close flushes too, but cannot report a failure
        finally:
            _lib.hl_run_close(handle)
            if _active_run is self:
                _active_run = None
            link, self._mlflow = self._mlflow, None
            wandb_link, self._wandb = self._wandb, None
            try:
                if link is not None:
                    try:
                        link.upload(self.path)
                    finally:
                        link.end()
            finally:
                if wandb_link is not None:
                    wandb_link.end()

    end = close

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Run({self.path!r}{', closed' if self.closed else ''})"

    # -- logging ---------------------------------------------------------------------------

    def log_histogram(
        self,
        values: Any = None,
        *,
        key: str,
        step: int,
        bins: Optional[ArrayLike] = None,
        counts: Optional[ArrayLike] = None,
        num_bins: int = _adapt.DEFAULT_BINS,
        log_scale: LogScale = False,
        range: Optional[Tuple[float, float]] = None,
        timestamp: Optional[float] = None,
        reduce: bool = False,
        group: Any = None,
        exact_quantiles: bool = False,
        device_reduce: Optional[bool] = None,
    ) -> None:
        """Logs one histogram under ``key`` at ``step``; see ``histlog.log_histogram``."""
        if (reduce or group is not None or device_reduce is not None
                or (type(values) is not np.ndarray and getattr(values, "is_cuda", False))):
            if _log_elsewhere(self, values, key, step, bins, counts, num_bins, log_scale, range, timestamp,
                              reduce, group, exact_quantiles, device_reduce):
                return
        if type(key) is str and key and "\x00" not in key:
            try:
                key_bytes = key.encode()
            except UnicodeEncodeError:
                key_bytes = _key_bytes(key)
        else:
            key_bytes = _key_bytes(key)
        if type(step) is not int or not -(2**63) <= step < 2**63:
            step = _adapt.step_int(step)

        if counts is not None or values is None:
            self._log_counts(key_bytes, step, values, bins, counts, num_bins, log_scale, range, timestamp)
            return

        address, n, element, owner = _values_buffer(values)
        if bins is None:
            config = _bin_config(num_bins, log_scale, range)
        else:
            _compute.check_no_binning_options(num_bins, log_scale, range, "bins (explicit edges)")
            edges = _adapt.float64_array(bins, "bins")
            config = _adapt.edges_config(edges)
        at = None if timestamp is None else _adapt.timestamp_float(timestamp)
        calls = self._calls  # HandleOwner.borrow(), inlined: this is the hot path
        calls.append(None)
        handle = self._handle
        if handle is None:
            calls.pop()
            raise self.closed_error()
        try:
            if at is None:
                _hl_log[element](handle, key_bytes, step, address, n, config)
            else:
                _hl_log_at[element](handle, key_bytes, step, at, address, n, config)
        finally:
            calls.pop()
        del owner  # kept alive until the library has read the values

    def _log_counts(
        self,
        key_bytes: bytes,
        step: int,
        values: Any,
        bins: Any,
        counts: Any,
        num_bins: Any,
        log_scale: Any,
        range: Any,
        timestamp: Any,
    ) -> None:
        if values is not None:
            raise ValueError("pass either values (raw data) or bins and counts (a pre-computed histogram), not both")
        if bins is None and counts is None:
            raise ValueError("log_histogram needs values, or bins (edges) and counts (a pre-computed histogram)")
        if bins is None:
            raise ValueError("counts needs bins: the n + 1 bin edges of the n counts")
        if counts is None:
            raise ValueError("bins without values needs counts: the count of each bin (or pass values to bin)")
        _compute.check_no_binning_options(num_bins, log_scale, range, "a pre-computed histogram (bins and counts)")
        edges = _adapt.float64_array(bins, "bins")
        weights = _adapt.float64_array(counts, "counts")
        if edges.size != weights.size + 1:
            raise ValueError(
                f"bins must have one more element than counts (the n + 1 edges of n bins), "
                f"got {edges.size} bins and {weights.size} counts"
            )
        edges_address, counts_address = _adapt.address(edges), _adapt.address(weights)
        at = None if timestamp is None else _adapt.timestamp_float(timestamp)
        handle = self.borrow()
        try:
            if at is None:
                _lib.hl_log_counts(handle, key_bytes, step, edges_address, edges.size, counts_address, weights.size)
            else:
                _lib.hl_log_counts_at(
                    handle, key_bytes, step, at, edges_address, edges.size, counts_address, weights.size
                )
        finally:
            self.give_back()

    def log_reduced(
        self,
        *,
        key: str,
        step: int,
        bins: ArrayLike,
        counts: ArrayLike,
        count: int,
        mean: float,
        m2: float,
        m3: float,
        m4: float,
        min: float,
        max: float,
        zero_count: Optional[int] = None,
        nan_count: int = 0,
        inf_count: int = 0,
        underflow: int = 0,
        overflow: int = 0,
        fine_bins: Optional[ArrayLike] = None,
        fine_counts: Optional[ArrayLike] = None,
        timestamp: Optional[float] = None,
    ) -> None:
        """Logs a histogram reduced elsewhere (other processes, a GPU) with its exact moments:
        ``count`` finite values, their ``mean`` and central sums ``m2 = Σ(x - mean)²``, ``m3``,
        ``m4``, extremes and special counts; ``counts``, ``underflow`` and ``overflow`` (values
        outside ``bins``) add up to ``count``. Quantiles and outliers are estimated from the bins,
        or from a finer histogram of the same values, ``fine_bins`` (edges spanning
        ``[min, max]``) and ``fine_counts`` (adding up to ``count``)
        (``hl_log_reduced_histogram`` in ``Include/histlog.h``). Moments and bins that no values
        could have — a mean outside ``[min, max]``, ``|mk|`` beyond ``count * (max - min)^k``, an
        extreme outside ``bins`` without under- or overflow — raise ``ValueError``."""
        edges = _adapt.float64_array(bins, "bins")
        weights = _adapt.float64_array(counts, "counts")
        if (fine_bins is None) != (fine_counts is None):
            raise ValueError("fine_bins and fine_counts go together: pass both or neither")
        fine_edges = _adapt.float64_array(fine_bins, "fine_bins") if fine_bins is not None else _NO_VALUES
        fine_weights = _adapt.float64_array(fine_counts, "fine_counts") if fine_counts is not None else _NO_VALUES
        histogram = _ffi.ReducedHistogram(
            edges=_adapt.address(edges),
            n_edges=edges.size,
            counts=_adapt.address(weights),
            n_counts=weights.size,
            underflow_count=_adapt.step_int(underflow, "underflow"),
            overflow_count=_adapt.step_int(overflow, "overflow"),
            fine_edges=_adapt.address(fine_edges),
            n_fine_edges=fine_edges.size,
            fine_counts=_adapt.address(fine_weights),
            n_fine_counts=fine_weights.size,
            moments=_ffi.Moments(
                count=_adapt.step_int(count, "count"),
                mean=float(mean),
                m2=float(m2),
                m3=float(m3),
                m4=float(m4),
                min=float(min),
                max=float(max),
                zero_count=-1 if zero_count is None else _adapt.step_int(zero_count, "zero_count"),
                nan_count=_adapt.step_int(nan_count, "nan_count"),
                inf_count=_adapt.step_int(inf_count, "inf_count"),
            ),
        )
        at = float("nan") if timestamp is None else _adapt.timestamp_float(timestamp)
        key_bytes, step = _key_bytes(key), _adapt.step_int(step)
        handle = self.borrow()
        try:
            _lib.hl_log_reduced_histogram(handle, key_bytes, step, at, histogram)
        finally:
            self.give_back()


_NO_VALUES = np.empty(0, dtype=np.float64)


def _log_elsewhere(
    run: Optional["Run"], values: Any, key: Any, step: Any, bins: Any, counts: Any, num_bins: Any,
    log_scale: Any, range: Any, timestamp: Any, reduce: Any, group: Any, exact_quantiles: Any, device_reduce: Any,
) -> bool:
    """The multi-process (``reduce``/``group``) and on-device (``device_reduce``, CUDA tensors)
    paths of ``log_histogram``, in ``histlog._distributed``. False: log on the host as usual."""
    if counts is not None or values is None:
        if reduce or group is not None or device_reduce:
            raise ValueError("reduce, group and device_reduce apply to raw values, not to bins and counts")
        return False
    distributed_job = reduce or group is not None
    if not distributed_job and device_reduce is False:
        return False  # host path: a CUDA tensor is copied
    from . import _distributed  # torch is imported only when a path needs it

    options = dict(key=key, step=step, bins=bins, num_bins=num_bins, log_scale=log_scale, range=range,
                   timestamp=timestamp)
    target: Callable[[], Run] = (lambda: run) if run is not None else current_run
    if distributed_job:
        _distributed.log_histogram(values, target, group=group, exact_quantiles=exact_quantiles,
                                   device_reduce=device_reduce, **options)
    else:
        _distributed.log_on_device(target(), values, **options)
    return True


# ---------------------------------------------------------------------------------------
# The active run
# ---------------------------------------------------------------------------------------

_active_run: Optional[Run] = None
_active_lock = threading.Lock()


def start_run(
    path: Optional[PathLike] = None, name: Optional[str] = None, mlflow: bool = False, wandb: bool = False,
    durable: bool = False,
) -> Run:
    """Opens a run and makes it the active run (the one ``histlog.log_histogram`` logs to).

    ``path`` is the run directory (created if missing; an existing run is appended to). Without
    it the run is ``$HISTLOG_DIR/<name>`` (default ``./histlog-runs/<name>``), ``name`` defaulting
    to the date and time plus a random suffix. A run already active is ended first. A directory
    that cannot be created or written raises ``OSError`` with its ``errno``.

    ``durable=True`` makes every record survive a power cut once ``flush()`` returned: flushing
    then fsyncs every file written since the last flush, and opening fsyncs the directories it
    creates (by default a flush survives the process being killed, not the machine losing power).

    ``mlflow=True`` sends the histograms to the active MLflow run (one is started, as
    ``mlflow.log_metric`` would, if none is active), as ``histograms/<key>.json`` artifacts: with a
    local artifact store and no ``path``, the run directory IS the MLflow run's artifact directory;
    otherwise the JSON files are uploaded at ``flush()`` and when the run ends. The default run
    started by ``histlog.log_histogram`` never involves MLflow.

    ``wandb=True`` also sends every record to the active W&B run (one is started with
    ``wandb.init()`` if none is active, and finished with this run), as
    ``wandb.Histogram(np_histogram=(counts, bin_edges))`` under the record's key and step, from
    the logging call itself. Above W&B's 512 bins, neighbouring bins are merged; a record whose
    step is below the W&B run's current step is not sent (W&B drops such steps): see
    ``histlog._wandb``. histlog's own files keep every record either way.

    Use it as a context manager, or call ``histlog.end_run()``.
    """
    global _active_run
    if path is not None and name is not None:
        raise ValueError("pass path (the run directory) or name (a run under $HISTLOG_DIR), not both")
    if name is not None and (
        not isinstance(name, str) or not name or os.sep in name or "\x00" in name or name in (".", "..")
    ):
        raise ValueError(f"name must be a non-empty directory name without {os.sep!r} or NUL, got {name!r}")
    link = None
    if mlflow:
        from ._mlflow import MlflowLink

        link = MlflowLink.attach()
        if path is None and name is None and link.local_artifact_directory is not None:
            path = link.local_artifact_directory
            link.uploads = False
    if path is None:
        path = os.path.join(runs_directory(), name or new_run_name())
    elif not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    wandb_link = None
    try:
        if wandb:
            from ._wandb import WandbLink

            wandb_link = WandbLink.attach()
        run = Run(path, durable=durable, _mlflow=link, _wandb=wandb_link)
    except BaseException:
        if link is not None:
            link.end()
        if wandb_link is not None:
            wandb_link.end()
        raise
    with _active_lock:
        previous, _active_run = _active_run, run
    if previous is not None:
        previous.close()
    return run


def active_run() -> Optional[Run]:
    """The active run, or None."""
    return _active_run


def current_run() -> Run:
    """The active run, starting the default one (under ``$HISTLOG_DIR``) if none is active: where
    module-level logging goes. The seam the distributed path and ``watch`` log through."""
    global _active_run
    run = _active_run
    if run is not None:
        return run
    with _active_lock:
        if _active_run is None:
            _active_run = Run(os.path.join(runs_directory(), new_run_name()))
        return _active_run


def end_run() -> None:
    """Flushes and closes the active run, if any."""
    global _active_run
    with _active_lock:
        run, _active_run = _active_run, None
    if run is not None:
        run.close()


def flush() -> None:
    """Flushes the active run, if any (see ``Run.flush``)."""
    run = _active_run
    if run is not None:
        run.flush()


def log_histogram(
    values: Any = None,
    *,
    key: str,
    step: int,
    bins: Optional[ArrayLike] = None,
    counts: Optional[ArrayLike] = None,
    num_bins: int = _adapt.DEFAULT_BINS,
    log_scale: LogScale = False,
    range: Optional[Tuple[float, float]] = None,
    timestamp: Optional[float] = None,
    reduce: bool = False,
    group: Any = None,
    exact_quantiles: bool = False,
    device_reduce: Optional[bool] = None,
) -> None:
    """Logs a histogram under ``key`` at ``step`` into the active run (starting a default run
    under ``$HISTLOG_DIR`` or ``./histlog-runs`` if none is active).

    Either raw ``values`` — a numpy array (any float, int or bool dtype), a torch tensor (any
    shape, dtype or device; no need to detach), a Python sequence — binned by the library into
    ``num_bins`` bins (default ``DEFAULT_BINS``, the engine's 30, equal width over [min, max]; ``log_scale=True`` for symmetric
    log bins, ``"auto"`` to let the library choose; ``range=(lo, hi)`` to bin over a fixed range,
    values outside it counted as under/overflow), or into explicit edges ``bins``;
    or a pre-computed histogram: ``bins`` (n + 1 strictly increasing edges) and ``counts`` (n
    counts >= 0), whose statistics are then estimated from the bins.

    ``timestamp``: Unix seconds (default: now). NaN and ±Inf values are counted, never binned;
    an empty or all-NaN input is logged too (a record with ``total_count`` 0). The values are
    read before the call returns; the record is written in the background (``flush()`` waits).
    Raises ``ValueError`` / ``TypeError`` naming the argument when an argument is wrong, and
    ``OSError`` (with ``errno``) for an earlier record whose write failed — a full disk, say —
    in which case this call logged nothing (see ``Run``).

    In a ``torch.distributed`` job, ``reduce=True`` (the whole job) or ``group=<process group>``
    logs ONE histogram of every rank's ``values`` together: each rank calls it with its shard,
    rank 0 of the group writes the record, the other ranks write nothing (and open no run).
    Counts, min, max, moments and special counts are exact; quantiles are estimated from a fine
    merged histogram unless ``exact_quantiles=True`` (which gathers the values on rank 0).
    ``device_reduce=True`` summarises a tensor where it lives with torch operations (the default
    for CUDA tensors; ``False`` copies it to the host). See ``histlog.distributed``.
    """
    if (reduce or group is not None or device_reduce is not None
            or (type(values) is not np.ndarray and getattr(values, "is_cuda", False))):
        if _log_elsewhere(_active_run, values, key, step, bins, counts, num_bins, log_scale, range, timestamp,
                          reduce, group, exact_quantiles, device_reduce):
            return
    run = _active_run
    if run is None:
        run = current_run()
    run.log_histogram(
        values,
        key=key,
        step=step,
        bins=bins,
        counts=counts,
        num_bins=num_bins,
        log_scale=log_scale,
        range=range,
        timestamp=timestamp,
        device_reduce=device_reduce,
    )


class CallbackRun:
    """The run a training framework's callback logs into: the active run, or else one it starts
    at ``path`` and ends with ``end()``. ``path`` None: a process that writes nothing (not the
    writing rank of a distributed job) opens no run."""

    def __init__(self, path: Optional[str]) -> None:
        self.run: Optional[Run] = None
        self._started: Optional[Run] = None
        if path is not None:
            self.run = active_run()
            if self.run is None:
                self.run = self._started = start_run(path)

    def end(self) -> None:
        started, self._started, self.run = self._started, None, None
        if started is None:
            return
        if _active_run is started:
            end_run()
        else:  # the user made another run active since
            started.close()


@atexit.register
def _close_open_runs() -> None:
    for run in list(_open_runs):
        try:
            run.close()
        except Exception as error:  # an exit handler must not hide the others
            print(f"histlog: closing {run.path} at exit failed: {error}", file=sys.stderr)
