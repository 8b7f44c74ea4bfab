"""Reading runs back: ``open_run(path)`` -> ``RunReader``."""

from __future__ import annotations

import os
from ctypes import byref, c_size_t, create_string_buffer
from dataclasses import dataclass
from typing import Any, Iterator, List, Tuple, Union

import numpy as np

from . import _adapt, _ffi
from ._data import HistogramData, from_stats
from ._handle import HandleOwner

_lib = _ffi.lib

#: ``hl_stats`` as a numpy record, so that one array holds the statistics of a whole history.
_STATS = np.dtype(_ffi.Stats)


@dataclass(frozen=True)
class HistoryArrays:
    """The whole history of one key as numpy arrays, one element (or row) per record in logged
    order (a step logged twice appears twice), from one call into the library.

    When every record has the same edges (the usual case: ``log_histogram`` with ``range`` or
    ``bins``, or ``add_histogram`` with fixed bins), ``bin_edges`` is those edges and ``counts``
    a ``(records, bins)`` matrix (``shared_edges`` is True); otherwise both are lists of one
    array per record. Every statistic is a float64 array, named as in ``HistogramData``; counts
    of values are exact below 2**53, and ``zero_count`` is NaN where unknown (a pre-computed
    histogram). ``quantiles`` has one column per probability in ``quantile_probabilities``.
    """

    key: str
    steps: np.ndarray
    timestamps: np.ndarray
    shared_edges: bool
    bin_edges: Union[np.ndarray, List[np.ndarray]]
    counts: Union[np.ndarray, List[np.ndarray]]
    min_value: np.ndarray
    max_value: np.ndarray
    total_count: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    quantiles: np.ndarray
    median: np.ndarray
    skewness: np.ndarray
    kurtosis: np.ndarray
    zero_count: np.ndarray
    outlier_count: np.ndarray
    nan_count: np.ndarray
    inf_count: np.ndarray
    underflow_count: np.ndarray
    overflow_count: np.ndarray
    sum: np.ndarray
    sum_squares: np.ndarray
    #: True where any statistic of the record was estimated from its bins.
    estimated: np.ndarray
    quantile_probabilities: Tuple[float, ...] = _ffi.QUANTILE_PROBABILITIES

    def __len__(self) -> int:
        return len(self.steps)


class RunReader(HandleOwner):
    """A run directory (its ``histograms/`` JSON files) or TensorBoard event files, read lazily:
    opening reads no record, each query reads only the key it names (one key is kept at a time).
    Owns one ``hl_reader`` handle; thread-safe; a context manager."""

    _what = "reader of"

    def __init__(self, path: Any) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        _adapt.path_bytes(path)
        self.path: str = os.path.abspath(os.fspath(path))
        self._handle = None
        handle = _ffi.ReaderPointer()
        _lib.hl_reader_open(byref(handle), _adapt.path_bytes(self.path))
        HandleOwner.__init__(self, handle, _lib.hl_reader_close, repr(self.path))

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
        return key in self.keys()

    def steps(self, key: str) -> List[int]:
        """The steps logged under ``key``, in logged order (a step logged twice appears twice).
        ``KeyError`` if the run has no such key."""
        return _History(self, key, bins=False, statistics=False).steps.tolist()

    def history(self, key: str) -> List[HistogramData]:
        """Every record of ``key``, in logged order. ``KeyError`` if the run has no such key."""
        history = _History(self, key)
        edges = np.split(history.edges, np.cumsum(history.n_bins + 1)[:-1])
        counts = np.split(history.counts, np.cumsum(history.n_bins)[:-1])
        return [
            from_stats(history.stats[index], edges[index], counts[index], name=key, step=int(history.steps[index]),
                       timestamp=float(history.timestamps[index]))
            for index in range(len(history.steps))
        ]

    def history_arrays(self, key: str) -> HistoryArrays:
        """The whole history of ``key`` as numpy arrays (see ``HistoryArrays``), from one call
        into the library. ``KeyError`` if the run has no such key."""
        history = _History(self, key)
        n_bins = history.n_bins
        records = len(n_bins)
        shared = records > 0 and bool((n_bins == n_bins[0]).all())
        if shared:
            edges = history.edges.reshape(records, int(n_bins[0]) + 1)
            shared = bool((edges == edges[0]).all())
        if shared:
            bin_edges: Any = edges[0].copy()
            counts: Any = history.counts.reshape(records, int(n_bins[0]))
        else:
            bin_edges = np.split(history.edges, np.cumsum(n_bins + 1)[:-1]) if records else []
            counts = np.split(history.counts, np.cumsum(n_bins)[:-1]) if records else []
        stats: Any = np.frombuffer(history.stats, dtype=_STATS) if records else np.empty(0, dtype=_STATS)  # type: ignore[call-overload]

        def column(name: str) -> np.ndarray:
            values: np.ndarray = stats[name].astype(np.float64)
            return values

        zero_count = column("zero_count")
        zero_count[stats["zero_count"] < 0] = np.nan
        return HistoryArrays(
            key=key,
            steps=history.steps,
            timestamps=history.timestamps,
            shared_edges=shared,
            bin_edges=bin_edges,
            counts=counts,
            min_value=column("min"),
            max_value=column("max"),
            total_count=column("total_count"),
            mean=column("mean"),
            std=column("std"),
            quantiles=np.ascontiguousarray(stats["quantiles"], dtype=np.float64),
            median=column("median"),
            skewness=column("skewness"),
            kurtosis=column("kurtosis"),
            zero_count=zero_count,
            outlier_count=column("outlier_count"),
            nan_count=column("nan_count"),
            inf_count=column("inf_count"),
            underflow_count=column("underflow_count"),
            overflow_count=column("overflow_count"),
            sum=column("sum"),
            sum_squares=column("sum_squares"),
            estimated=stats["estimated"] != 0,
        )

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
        count = c_size_t()
        with self.borrowed() as handle:
            _lib.hl_reader_record_count(handle, key_bytes, byref(count))
            return _record(handle, key, key_bytes, count.value - 1)


class _History:
    """One ``hl_reader_history`` call's arrays: ``steps``, ``timestamps``, ``n_bins``, ``stats``
    (a ctypes array of ``hl_stats``) and every record's ``edges`` and ``counts`` one after
    another; ``bins`` / ``statistics`` False leave those out. A size query first, then the copy
    (asked again if the key grew in between)."""

    def __init__(self, reader: RunReader, key: str, bins: bool = True, statistics: bool = True) -> None:
        key_bytes = _adapt.key_bytes(key)
        count, total = c_size_t(), c_size_t()
        with reader.borrowed() as handle:
            _lib.hl_reader_history(handle, key_bytes, 0, None, None, None, None, None, 0, None, 0, byref(count), byref(total))
            while True:
                records, bin_count = count.value, total.value
                self.steps = np.empty(records, dtype=np.int64)
                self.timestamps = np.empty(records, dtype=np.float64)
                self.n_bins = np.empty(records, dtype=np.uintp)
                self.stats = (_ffi.Stats * records)()
                self.edges = np.empty(bin_count + records if bins else 0, dtype=np.float64)
                self.counts = np.empty(bin_count if bins else 0, dtype=np.float64)
                status = _lib.hl_reader_history(
                    handle, key_bytes, records, self.steps.ctypes.data,
                    self.timestamps.ctypes.data if statistics else None, self.n_bins.ctypes.data,
                    self.stats if statistics else None,
                    _adapt.address(self.edges) if bins else None, len(self.edges),
                    _adapt.address(self.counts) if bins else None, len(self.counts),
                    byref(count), byref(total))
                if status != _ffi.HL_ESIZE:
                    break
        self.n_bins = self.n_bins.astype(np.int64)


def _record(handle: Any, key: str, key_bytes: bytes, index: int) -> HistogramData:
    info = _ffi.RecordInfo()
    _lib.hl_reader_record(handle, key_bytes, index, byref(info), None, 0, None, 0)
    n_bins = info.n_bins
    edges = np.empty(n_bins + 1, dtype=np.float64)
    counts = np.empty(n_bins, dtype=np.float64)
    _lib.hl_reader_record(
        handle, key_bytes, index, byref(info), _adapt.address(edges), n_bins + 1, _adapt.address(counts), n_bins
    )
    return from_stats(info.stats, edges, counts, name=key, step=int(info.step), timestamp=info.timestamp)


def open_run(path: Any) -> RunReader:
    """Opens a run directory — or a TensorBoard event file, or a directory of them — for reading.
    Reads no record: each query reads the key it names."""
    return RunReader(path)
