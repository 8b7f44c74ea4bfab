"""Every foreign declaration of ``libhistlog.so`` (``Include/histlog.h``), in one table.

The library is loaded once, from inside the package (``importlib.resources``) or from
``$HISTLOG_LIBRARY``; its version is checked at once and another major version is refused.
Each function gets its ``restype``, ``argtypes`` and ``errcheck`` from ``FUNCTIONS`` below;
every status-returning function shares one ``errcheck`` that turns ``HL_E*`` codes into
Python exceptions carrying the thread's ``hl_last_error()`` text.

There is no lock: ctypes releases the GIL around each call and the library is thread-safe.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from ctypes import (
    POINTER,
    Structure,
    c_char_p,
    c_double,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint,
    c_uint32,
    c_void_p,
)
from importlib import resources
from typing import Any, Callable, Tuple

# The header this module mirrors (Include/histlog.h).
HEADER_VERSION_MAJOR = 0
HEADER_VERSION_MINOR = 3

# Status codes (pinned in the header; only ever added to).
HL_OK = 0
HL_EINVAL = -1
HL_ENULL = -2
HL_EIO = -3
HL_ENOMEM = -4
HL_ECLOSED = -5
HL_ENOTFOUND = -6
HL_ESIZE = -7
HL_EFORMAT = -8
HL_EINTERNAL = -99

MAX_BINS = 1_000_000  # hl_bin_config.bins: 1 .. 1000000 (histlog.h)

# hl_scale
HL_SCALE_LINEAR = 0
HL_SCALE_LOG = 1
HL_SCALE_AUTO = 2

# hl_stats.estimated bits
HL_ESTIMATED_MOMENTS = 1
HL_ESTIMATED_QUANTILES = 2
HL_ESTIMATED_OUTLIERS = 4
HL_ESTIMATED_MINMAX = 8

HL_NUM_QUANTILES = 5
QUANTILE_PROBABILITIES = (0.1, 0.25, 0.5, 0.75, 0.9)

# hl_run_options.sinks bits
HL_SINK_JSON = 1
HL_SINK_TENSORBOARD = 2
HL_SINK_ALL = HL_SINK_JSON | HL_SINK_TENSORBOARD


# ---------------------------------------------------------------------------------------
# Structures (field for field as in the header)
# ---------------------------------------------------------------------------------------


class BinConfig(Structure):
    """``hl_bin_config``."""

    _fields_ = [
        ("size", c_uint32),
        ("bins", c_int32),
        ("scale", c_int32),
        ("has_range", c_int32),
        ("range_lo", c_double),
        ("range_hi", c_double),
        ("edges", c_void_p),
        ("n_edges", c_size_t),
        ("outlier_threshold", c_double),
        ("zero_tolerance", c_double),
    ]


class Stats(Structure):
    """``hl_stats``."""

    _fields_ = [
        ("total_count", c_int64),
        ("nan_count", c_int64),
        ("inf_count", c_int64),
        ("zero_count", c_int64),
        ("outlier_count", c_int64),
        ("underflow_count", c_int64),
        ("overflow_count", c_int64),
        ("min", c_double),
        ("max", c_double),
        ("sum", c_double),
        ("sum_squares", c_double),
        ("mean", c_double),
        ("std", c_double),
        ("skewness", c_double),
        ("kurtosis", c_double),
        ("quantiles", c_double * HL_NUM_QUANTILES),
        ("median", c_double),
        ("estimated", c_uint32),
        ("reserved", c_uint32),
    ]


class HistogramTotals(Structure):
    """``hl_histogram_totals``."""

    _fields_ = [
        ("total_count", c_int64),
        ("nan_count", c_int64),
        ("inf_count", c_int64),
        ("underflow_count", c_int64),
        ("overflow_count", c_int64),
        ("min", c_double),
        ("max", c_double),
    ]


class RunOptions(Structure):
    """``hl_run_options``."""

    _fields_ = [("size", c_uint32), ("sinks", c_uint32), ("queue_capacity", c_uint32), ("durable", c_uint32)]


class Moments(Structure):
    """``hl_moments``."""

    _fields_ = [
        ("count", c_int64),
        ("mean", c_double),
        ("m2", c_double),
        ("m3", c_double),
        ("m4", c_double),
        ("min", c_double),
        ("max", c_double),
        ("zero_count", c_int64),
        ("nan_count", c_int64),
        ("inf_count", c_int64),
    ]


class ReducedHistogram(Structure):
    """``hl_reduced_histogram``."""

    _fields_ = [
        ("edges", c_void_p),
        ("n_edges", c_size_t),
        ("counts", c_void_p),
        ("n_counts", c_size_t),
        ("underflow_count", c_int64),
        ("overflow_count", c_int64),
        ("fine_edges", c_void_p),
        ("n_fine_edges", c_size_t),
        ("fine_counts", c_void_p),
        ("n_fine_counts", c_size_t),
        ("moments", Moments),
    ]


class RecordInfo(Structure):
    """``hl_record_info``."""

    _fields_ = [
        ("step", c_int64),
        ("timestamp", c_double),
        ("n_bins", c_size_t),
        ("stats", Stats),
    ]


class TensorBoardHistogram(Structure):
    """``hl_tensorboard_histogram``."""

    _fields_ = [
        ("min", c_double),
        ("max", c_double),
        ("num", c_double),
        ("sum", c_double),
        ("sum_squares", c_double),
        ("bucket_limits", c_void_p),
        ("bucket_counts", c_void_p),
        ("n_buckets", c_size_t),
    ]


# ``hl_record_callback``: (context, key, info, edges, counts).
RecordCallback = ctypes.CFUNCTYPE(None, c_void_p, c_char_p, POINTER(RecordInfo), POINTER(c_double), POINTER(c_double))


class DoctorOptions(Structure):
    """``hl_doctor_options``."""

    _fields_ = [
        ("size", c_uint32),
        ("reserved", c_int32),
        ("window", c_int32),
        ("frozen_min_steps", c_int32),
        ("vanishing_scale_floor", c_double),
        ("vanishing_drop_factor", c_double),
        ("vanishing_layer_ratio", c_double),
        ("exploding_scale_ceiling", c_double),
        ("exploding_max_abs_ceiling", c_double),
        ("exploding_growth_factor", c_double),
        ("dead_zero_fraction", c_double),
    ]


# One opaque pointer type per handle (a NULL one is falsy).
class _Run(Structure):
    pass


class _Reader(Structure):
    pass


RunPointer = POINTER(_Run)
ReaderPointer = POINTER(_Reader)


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------


class HistlogError(Exception):
    """Base of every error raised by libhistlog; ``code`` is the ``HL_E*`` status."""

    code: int = HL_EINTERNAL

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return str(self.args[0]) if self.args else ""


class InvalidArgumentError(HistlogError, ValueError):
    """``HL_EINVAL`` / ``HL_ENULL``: an argument the library does not accept."""


class StorageError(HistlogError, OSError):
    """``HL_EIO`` / ``HL_EFORMAT``: the file system refused, or a file is not in histlog's format.
    ``errno`` is the system's code (``errno.ENOSPC``, ``errno.EACCES``, ...) when a system call
    failed (``hl_last_errno()``), else None; the message names the file. A missing file or
    directory is also a ``FileNotFoundError``, a refused permission a ``PermissionError``, as
    ``OSError(errno, ...)`` would be."""


class StorageNotFoundError(StorageError, FileNotFoundError):
    """``HL_EIO`` with ``ENOENT`` (or an ``*_open`` of a path that holds no run: ``HL_ENOTFOUND``)."""


class StoragePermissionError(StorageError, PermissionError):
    """``HL_EIO`` with ``EACCES`` or ``EPERM``."""


_STORAGE_ERRNO_CLASSES: dict[int, type[StorageError]] = {
    errno.ENOENT: StorageNotFoundError,
    errno.EACCES: StoragePermissionError,
    errno.EPERM: StoragePermissionError,
}


class OutOfMemoryError(HistlogError, MemoryError):
    """``HL_ENOMEM``."""


class NotFoundError(HistlogError, KeyError):
    """``HL_ENOTFOUND``: the run has no such key, step or record."""


class ClosedError(HistlogError, RuntimeError):
    """``HL_ECLOSED``: the run or reader was already closed."""


class InternalError(HistlogError, RuntimeError):
    """``HL_EINTERNAL`` (or an unknown code): a bug in histlog."""


_ERROR_CLASSES: dict[int, type[HistlogError]] = {
    HL_EINVAL: InvalidArgumentError,
    HL_ENULL: InvalidArgumentError,
    HL_EIO: StorageError,
    HL_EFORMAT: StorageError,
    HL_ENOMEM: OutOfMemoryError,
    HL_ENOTFOUND: NotFoundError,
    HL_ECLOSED: ClosedError,
}


def last_error() -> str:
    """This thread's ``hl_last_error()`` text."""
    message: bytes = lib.hl_last_error()
    return message.decode("utf-8", "replace")


def error_for(code: int, function: str) -> HistlogError:
    """The exception for status ``code`` returned by ``function``, with this thread's message."""
    message = last_error() or f"{function} failed with {lib.hl_error_name(code).decode()}"
    system_code = lib.hl_last_errno() if code == HL_EIO else 0
    error_class = _STORAGE_ERRNO_CLASSES.get(system_code) or _ERROR_CLASSES.get(code, InternalError)
    error = error_class(message)
    error.code = code
    if system_code and isinstance(error, OSError):
        error.errno, error.strerror = system_code, os.strerror(system_code)
    return error


def _check_status(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    if result < 0:
        raise error_for(result, func.__name__)
    return result


def _check_status_or_size(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    """As ``_check_status``, but ``HL_ESIZE`` returns to the caller, who asked for a size."""
    if result < 0 and result != HL_ESIZE:
        raise error_for(result, func.__name__)
    return result


def _check_open(result: int, func: Any, args: Tuple[Any, ...]) -> int:
    """As ``_check_status``, for ``*_open(&handle, path)``: a path that holds no run
    (``HL_ENOTFOUND``) is a ``FileNotFoundError`` too."""
    if result == HL_ENOTFOUND:
        error = StorageNotFoundError(last_error())
        error.code = result
        error.errno, error.strerror, error.filename = errno.ENOENT, os.strerror(errno.ENOENT), os.fsdecode(args[1])
        raise error
    if result < 0:
        raise error_for(result, func.__name__)
    return result


# ---------------------------------------------------------------------------------------
# The table: name -> (restype, argtypes, errcheck)
# ---------------------------------------------------------------------------------------

_p = POINTER
_status = _check_status
_sized = _check_status_or_size

FUNCTIONS: dict[str, tuple[Any, list[Any], Callable[..., Any] | None]] = {
    # Version
    "hl_version": (c_char_p, [], None),
    "hl_version_number": (c_uint, [], None),
    # Errors
    "hl_last_error": (c_char_p, [], None),
    "hl_last_errno": (c_int, [], None),
    "hl_error_name": (c_char_p, [c_int], None),
    # Bin configuration
    "hl_bin_config_init": (c_int, [_p(BinConfig), c_size_t], _status),
    # Compute only
    "hl_compute_f32": (
        c_int,
        [c_void_p, c_size_t, _p(BinConfig), c_void_p, c_size_t, c_void_p, c_size_t, _p(c_size_t), _p(Stats)],
        _sized,
    ),
    "hl_compute_f64": (
        c_int,
        [c_void_p, c_size_t, _p(BinConfig), c_void_p, c_size_t, c_void_p, c_size_t, _p(c_size_t), _p(Stats)],
        _sized,
    ),
    "hl_compute_bf16": (
        c_int,
        [c_void_p, c_size_t, _p(BinConfig), c_void_p, c_size_t, c_void_p, c_size_t, _p(c_size_t), _p(Stats)],
        _sized,
    ),
    "hl_histogram_f32": (
        c_int,
        [c_void_p, c_size_t, _p(BinConfig), c_void_p, c_size_t, c_void_p, c_size_t, _p(c_size_t), _p(HistogramTotals)],
        _sized,
    ),
    "hl_histogram_f64": (
        c_int,
        [c_void_p, c_size_t, _p(BinConfig), c_void_p, c_size_t, c_void_p, c_size_t, _p(c_size_t), _p(HistogramTotals)],
        _sized,
    ),
    "hl_histogram_bf16": (
        c_int,
        [c_void_p, c_size_t, _p(BinConfig), c_void_p, c_size_t, c_void_p, c_size_t, _p(c_size_t), _p(HistogramTotals)],
        _sized,
    ),
    "hl_set_max_threads": (c_int, [c_int], None),
    # Runs
    "hl_run_options_init": (c_int, [_p(RunOptions), c_size_t], _status),
    "hl_run_open": (RunPointer, [c_char_p], None),
    "hl_run_open_with": (c_int, [_p(RunPointer), c_char_p, _p(RunOptions)], _check_open),
    "hl_log_values_f32": (c_int, [RunPointer, c_char_p, c_int64, c_void_p, c_size_t, _p(BinConfig)], _status),
    "hl_log_values_f64": (c_int, [RunPointer, c_char_p, c_int64, c_void_p, c_size_t, _p(BinConfig)], _status),
    "hl_log_values_bf16": (c_int, [RunPointer, c_char_p, c_int64, c_void_p, c_size_t, _p(BinConfig)], _status),
    "hl_log_counts": (c_int, [RunPointer, c_char_p, c_int64, c_void_p, c_size_t, c_void_p, c_size_t], _status),
    "hl_log_values_f32_at": (
        c_int,
        [RunPointer, c_char_p, c_int64, c_double, c_void_p, c_size_t, _p(BinConfig)],
        _status,
    ),
    "hl_log_values_bf16_at": (
        c_int,
        [RunPointer, c_char_p, c_int64, c_double, c_void_p, c_size_t, _p(BinConfig)],
        _status,
    ),
    "hl_log_values_f64_at": (
        c_int,
        [RunPointer, c_char_p, c_int64, c_double, c_void_p, c_size_t, _p(BinConfig)],
        _status,
    ),
    "hl_log_counts_at": (
        c_int,
        [RunPointer, c_char_p, c_int64, c_double, c_void_p, c_size_t, c_void_p, c_size_t],
        _status,
    ),
    "hl_log_reduced": (
        c_int,
        [RunPointer, c_char_p, c_int64, c_double, c_void_p, c_size_t, c_void_p, c_size_t, _p(Moments)],
        _status,
    ),
    "hl_log_reduced_histogram": (c_int, [RunPointer, c_char_p, c_int64, c_double, _p(ReducedHistogram)], _status),
    "hl_shard_counts_f32": (
        c_int,
        [c_void_p, c_size_t, c_void_p, c_size_t, c_double, c_double, c_int32, c_double, c_void_p, c_size_t],
        _status,
    ),
    "hl_shard_counts_f64": (
        c_int,
        [c_void_p, c_size_t, c_void_p, c_size_t, c_double, c_double, c_int32, c_double, c_void_p, c_size_t],
        _status,
    ),
    "hl_shard_sums_f32": (
        c_int,
        [c_void_p, c_size_t, c_void_p, c_size_t, c_double, c_double, c_int32, c_double, c_void_p, c_size_t, c_int32,
         c_void_p, c_size_t],
        _status,
    ),
    "hl_shard_sums_f64": (
        c_int,
        [c_void_p, c_size_t, c_void_p, c_size_t, c_double, c_double, c_int32, c_double, c_void_p, c_size_t, c_int32,
         c_void_p, c_size_t],
        _status,
    ),
    "hl_auto_scale_threshold": (c_int, [c_double, _p(c_double)], _status),
    "hl_auto_scale": (c_int, [c_int64, c_int64, _p(c_int32)], _status),
    "hl_moments_from_sums": (c_int, [c_int64, c_double, _p(c_double), c_size_t, _p(Moments)], _status),
    "hl_sub_bin_layout": (
        c_int,
        [c_void_p, c_size_t, c_double, c_double, _p(c_int32), _p(c_int32), c_void_p, c_size_t, c_void_p, c_size_t,
         c_void_p, c_size_t],
        _sized,
    ),
    "hl_quantile_sub_bins": (c_int, [c_void_p, c_size_t, c_int64, c_void_p, c_size_t, _p(c_size_t)], _status),
    "hl_fine_histogram": (
        c_int,
        [c_void_p, c_size_t, c_void_p, c_size_t, c_void_p, c_size_t, c_void_p, c_size_t, c_int32, c_void_p, c_size_t,
         c_void_p, c_size_t, _p(c_size_t)],
        _sized,
    ),
    "hl_run_flush": (c_int, [RunPointer], _status),
    # Runs: TensorBoard's own forms, and a callback per record
    "hl_log_tensorboard_histogram": (
        c_int,
        [RunPointer, c_char_p, c_int64, c_double, _p(TensorBoardHistogram)],
        _status,
    ),
    "hl_log_tensorboard_event": (c_int, [RunPointer, c_char_p, c_size_t], _status),
    "hl_run_set_record_callback": (c_int, [RunPointer, RecordCallback, c_void_p], _status),
    "hl_run_close": (None, [RunPointer], None),
    # Reader
    "hl_reader_open": (c_int, [_p(ReaderPointer), c_char_p], _check_open),
    "hl_reader_close": (None, [ReaderPointer], None),
    "hl_reader_key_count": (c_int, [ReaderPointer, _p(c_size_t)], _status),
    "hl_reader_key": (c_int, [ReaderPointer, c_size_t, c_void_p, c_size_t, _p(c_size_t)], _sized),
    "hl_reader_record_count": (c_int, [ReaderPointer, c_char_p, _p(c_size_t)], _status),
    "hl_reader_find": (c_int, [ReaderPointer, c_char_p, c_int64, _p(c_size_t)], _status),
    "hl_reader_record": (
        c_int,
        [ReaderPointer, c_char_p, c_size_t, _p(RecordInfo), c_void_p, c_size_t, c_void_p, c_size_t],
        _sized,
    ),
    "hl_reader_history": (
        c_int,
        [ReaderPointer, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p,
         c_size_t, _p(c_size_t), _p(c_size_t)],
        _sized,
    ),
    # Looking at a run (histlog.report)
    "hl_doctor_options_init": (c_int, [_p(DoctorOptions), c_size_t], _status),
    "hl_doctor": (c_int, [ReaderPointer, _p(DoctorOptions), c_void_p, c_size_t, _p(c_size_t), _p(c_size_t)], _sized),
    "hl_summary_text": (c_int, [ReaderPointer, c_int32, c_void_p, c_size_t, _p(c_size_t)], _sized),
    "hl_report_write": (c_int, [ReaderPointer, c_char_p, _p(DoctorOptions), _p(c_size_t)], _status),
}


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------

LIBRARY_NAME = "libhistlog.so"
_resources = contextlib.ExitStack()


def _library_path() -> str:
    override = os.environ.get("HISTLOG_LIBRARY")
    if override:
        return override
    bundled = resources.files(__package__) / LIBRARY_NAME
    # A zipped install extracts to a temporary file kept for the life of the process.
    return str(_resources.enter_context(resources.as_file(bundled)))


def _missing(name: str, path: str) -> Callable[..., Any]:
    def missing(*args: Any) -> Any:
        raise OSError(f"{path} has no {name}: it is older than this histlog package; rebuild it")

    missing.__name__ = name
    return missing


def _load() -> tuple[ctypes.CDLL, str]:
    path = _library_path()
    if not os.path.exists(path):
        hint = (
            "$HISTLOG_LIBRARY points at a file that does not exist"
            if os.environ.get("HISTLOG_LIBRARY")
            else "the package was installed without its library: reinstall with `pip install ./bindings/python` "
            "on a machine with the Swift toolchain, or set HISTLOG_LIBRARY to a libhistlog.so"
        )
        raise OSError(f"cannot load {path}: {hint}")
    try:
        library = ctypes.CDLL(path)
    except OSError as error:
        raise OSError(f"cannot load {path}: {error}") from error

    try:
        version_number = library.hl_version_number
    except AttributeError:
        raise OSError(f"{path} is not libhistlog: it has no hl_version_number") from None
    version_number.restype, version_number.argtypes = c_uint, []
    number = version_number()
    if number // 10000 != HEADER_VERSION_MAJOR:
        raise OSError(
            f"{path} is libhistlog {number // 10000}.{number // 100 % 100}.{number % 100}, but this package "
            f"needs major version {HEADER_VERSION_MAJOR}: install the matching library or point HISTLOG_LIBRARY at it"
        )

    for name, (restype, argtypes, errcheck) in FUNCTIONS.items():
        try:
            function = getattr(library, name)
        except AttributeError:
            setattr(library, name, _missing(name, path))
            continue
        function.restype = restype
        function.argtypes = argtypes
        if errcheck is not None:
            function.errcheck = errcheck
    return library, path


lib, LIBRARY_PATH = _load()
VERSION: str = lib.hl_version().decode()


def missing_functions() -> list[str]:
    """Functions of the header this library lacks (an older build); empty when complete."""
    function_type = ctypes._CFuncPtr  # type: ignore[attr-defined]
    return [name for name in FUNCTIONS if not isinstance(getattr(lib, name), function_type)]
