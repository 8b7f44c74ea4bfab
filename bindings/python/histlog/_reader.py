"""Reading runs back: ``open_run(path)`` -> ``RunReader``."""

from __future__ import annotations

import errno
import os
from ctypes import byref, c_size_t, create_string_buffer
from typing import Any, Iterator, List

import numpy as np

from . import _adapt, _ffi
from ._data import HistogramData, from_stats
from ._handle import HandleOwner

_lib = _ffi.lib


class RunReader(HandleOwner):
    """A snapshot of a run directory (its ``histograms/`` JSON files) or of TensorBoard event
    files, taken when opened. Owns one ``hl_reader`` handle; thread-safe; a context manager."""

    _what = "reader of"

    def __init__(self, path: Any) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        _adapt.path_bytes(path)
        self.path: str = os.path.abspath(os.fspath(path))
        self._handle = None
        if not os.path.exists(self.path):
            raise FileNotFoundError(errno.ENOENT, "no run or TensorBoard event file here", self.path)
        HandleOwner.__init__(self, _lib.hl_reader_open(_adapt.path_bytes(self.path)), _lib.hl_reader_close, repr(self.path))

    def close(self) -> None:
        self._dispose()

    def __enter__(self) -> "RunReader":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RunReader({self.path!r})"

    # -- queries ---------------------------------------------------------------------------

    def keys(self) -> List[str]:
        """Every key of the run, sorted."""
        count, length = c_size_t(), c_size_t()
        buffer = create_string_buffer(256)
        keys = []
        with self.borrowed() as handle:
            _lib.hl_reader_key_count(handle, byref(count))
            for index in range(count.value):
                while _lib.hl_reader_key(handle, index, buffer, len(buffer), byref(length)) == _ffi.HL_ESIZE:
                    buffer = create_string_buffer(length.value + 1)
                keys.append(buffer.raw[: length.value].decode("utf-8"))
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or not key or "\x00" in key:
            return False
        try:
            with self.borrowed() as handle:
                _count(handle, _adapt.key_bytes(key))
        except (KeyError, ValueError):
            return False
        return True

    def steps(self, key: str) -> List[int]:
        """The steps logged under ``key``, in logged order (a step logged twice appears twice).
        ``KeyError`` if the run has no such key."""
        key_bytes = _adapt.key_bytes(key)
        info = _ffi.RecordInfo()
        steps = []
        with self.borrowed() as handle:
            for index in range(_count(handle, key_bytes)):
                _lib.hl_reader_record(handle, key_bytes, index, byref(info), None, 0, None, 0)
                steps.append(info.step)
        return steps

    def history(self, key: str) -> List[HistogramData]:
        """Every record of ``key``, in logged order. ``KeyError`` if the run has no such key."""
        key_bytes = _adapt.key_bytes(key)
        with self.borrowed() as handle:
            return [_record(handle, key, key_bytes, index) for index in range(_count(handle, key_bytes))]

    def get(self, key: str, step: int) -> HistogramData:
        """The record of ``key`` at ``step`` (the last one, if that step was logged twice).
        ``KeyError`` if there is none."""
        key_bytes = _adapt.key_bytes(key)
        step = _adapt.step_int(step)
        index = c_size_t()
        with self.borrowed() as handle:
            _lib.hl_reader_find(handle, key_bytes, step, byref(index))
            return _record(handle, key, key_bytes, index.value)

    def latest(self, key: str) -> HistogramData:
        """The last record logged under ``key``. ``KeyError`` if the run has no such key."""
        key_bytes = _adapt.key_bytes(key)
        with self.borrowed() as handle:
            return _record(handle, key, key_bytes, _count(handle, key_bytes) - 1)


def _count(handle: Any, key_bytes: bytes) -> int:
    count = c_size_t()
    _lib.hl_reader_record_count(handle, key_bytes, byref(count))
    return count.value


def _record(handle: Any, key: str, key_bytes: bytes, index: int) -> HistogramData:
    info = _ffi.RecordInfo()
    _lib.hl_reader_record(handle, key_bytes, index, byref(info), None, 0, None, 0)
    n_bins = info.n_bins
    edges = np.empty(n_bins + 1, dtype=np.float64)
    counts = np.empty(n_bins, dtype=np.float64)
    _lib.hl_reader_record(
        handle, key_bytes, index, byref(info), edges.ctypes.data, n_bins + 1, _adapt.address(counts), n_bins
    )
    return from_stats(info.stats, edges, counts, name=key, step=info.step, timestamp=info.timestamp)


def open_run(path: Any) -> RunReader:
    """Opens a run directory — or a TensorBoard event file, or a directory of them — for reading."""
    return RunReader(path)
