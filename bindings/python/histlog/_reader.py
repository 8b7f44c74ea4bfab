"""Reading runs back: ``open_run(path)`` -> ``RunReader``."""

from __future__ import annotations

import errno
import os
import sys
from ctypes import byref, c_size_t, create_string_buffer
from typing import Any, Iterator, List

import numpy as np

from . import _adapt, _ffi
from ._data import HistogramData, from_stats

_lib = _ffi.lib


class RunReader:
    """A snapshot of a run directory (its ``histograms/`` JSON files) or of TensorBoard event
    files, taken when opened. Owns one ``hl_reader`` handle; thread-safe; a context manager."""

    def __init__(self, path: Any) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        self.path: str = os.path.abspath(os.fspath(path))
        self._handle: Any = None
        if not os.path.exists(self.path):
            raise FileNotFoundError(errno.ENOENT, "no run or TensorBoard event file here", self.path)
        self._handle = _lib.hl_reader_open(os.fsencode(self.path))

    @property
    def _as_parameter_(self) -> Any:
        if self._handle is None:
            error = _ffi.ClosedError(f"reader of {self.path!r} is closed")
            error.code = _ffi.HL_ECLOSED
            raise error
        return self._handle

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            _lib.hl_reader_close(handle)

    def __enter__(self) -> "RunReader":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None and not sys.is_finalizing():
            self.close()

    def __repr__(self) -> str:
        return f"RunReader({self.path!r})"

    # -- queries ---------------------------------------------------------------------------

    def keys(self) -> List[str]:
        """Every key of the run, sorted."""
        handle = self._as_parameter_
        count = c_size_t()
        _lib.hl_reader_key_count(handle, byref(count))
        keys = []
        buffer = create_string_buffer(256)
        length = c_size_t()
        for index in range(count.value):
            while _lib.hl_reader_key(handle, index, buffer, len(buffer), byref(length)) == _ffi.HL_ESIZE:
                buffer = create_string_buffer(length.value + 1)
            keys.append(buffer.raw[: length.value].decode("utf-8"))
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or not key:
            return False
        try:
            self._count(_adapt.key_bytes(key))
        except KeyError:
            return False
        return True

    def _count(self, key_bytes: bytes) -> int:
        count = c_size_t()
        _lib.hl_reader_record_count(self._as_parameter_, key_bytes, byref(count))
        return count.value

    def _record(self, key: str, key_bytes: bytes, index: int) -> HistogramData:
        handle = self._as_parameter_
        info = _ffi.RecordInfo()
        _lib.hl_reader_record(handle, key_bytes, index, byref(info), None, 0, None, 0)
        n_bins = info.n_bins
        edges = np.empty(n_bins + 1, dtype=np.float64)
        counts = np.empty(n_bins, dtype=np.float64)
        _lib.hl_reader_record(
            handle, key_bytes, index, byref(info), edges.ctypes.data, n_bins + 1, _adapt.address(counts), n_bins
        )
        return from_stats(info.stats, edges, counts, name=key, step=info.step, timestamp=info.timestamp)

    def steps(self, key: str) -> List[int]:
        """The steps logged under ``key``, in logged order (a step logged twice appears twice)."""
        key_bytes = _adapt.key_bytes(key)
        handle = self._as_parameter_
        info = _ffi.RecordInfo()
        steps = []
        for index in range(self._count(key_bytes)):
            _lib.hl_reader_record(handle, key_bytes, index, byref(info), None, 0, None, 0)
            steps.append(info.step)
        return steps

    def history(self, key: str) -> List[HistogramData]:
        """Every record of ``key``, in logged order. ``KeyError`` if the run has no such key."""
        key_bytes = _adapt.key_bytes(key)
        return [self._record(key, key_bytes, index) for index in range(self._count(key_bytes))]

    def get(self, key: str, step: int) -> HistogramData:
        """The record of ``key`` at ``step`` (the last one, if that step was logged twice).
        ``KeyError`` if there is none."""
        key_bytes = _adapt.key_bytes(key)
        index = c_size_t()
        _lib.hl_reader_find(self._as_parameter_, key_bytes, _adapt.step_int(step), byref(index))
        return self._record(key, key_bytes, index.value)

    def latest(self, key: str) -> HistogramData:
        """The last record logged under ``key``."""
        key_bytes = _adapt.key_bytes(key)
        count = self._count(key_bytes)
        if count == 0:
            raise KeyError(key)
        return self._record(key, key_bytes, count - 1)


def open_run(path: Any) -> RunReader:
    """Opens a run directory — or a TensorBoard event file, or a directory of them — for reading."""
    return RunReader(path)
