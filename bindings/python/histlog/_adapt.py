"""Turning Python objects into what the C functions take: checked, and copied only when needed.

Nothing here computes a statistic or a bin: it only checks arguments, casts dtypes the library
does not read (float16, integers, booleans) and hands over data pointers.
"""

from __future__ import annotations

import ctypes
import math
import numbers
import os
import sys
from typing import Any, Optional, Tuple

import numpy as np

from . import _ffi

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_EMPTY = np.zeros(1, dtype=np.float64)  # a valid address for zero-length buffers
_EMPTY_ADDRESS = _EMPTY.ctypes.data
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_c_char_from_buffer = ctypes.c_char.from_buffer
_addressof = ctypes.addressof

# The element types of a values buffer: the index of the C function to call in an
# (f32, f64, bf16) triple such as (hl_compute_f32, hl_compute_f64, hl_compute_bf16).
FLOAT32, FLOAT64, BFLOAT16 = 0, 1, 2

# A values buffer as the C call takes it: (address, length, element type, owner kept alive).
Buffer = Tuple[int, int, int, Any]


def new_config() -> _ffi.BinConfig:
    """The engine's default ``hl_bin_config`` (``hl_bin_config_init``)."""
    config = _ffi.BinConfig()
    _ffi.lib.hl_bin_config_init(config, ctypes.sizeof(config))
    return config


#: The engine's default bin count (``hl_bin_config_init``): the default of every ``num_bins``.
DEFAULT_BINS: int = new_config().bins
_DEFAULT_SCALE: int = new_config().scale

def key_bytes(key: Any, argument: str = "key") -> bytes:
    """A histogram key as NUL-free UTF-8."""
    if type(key) is not str and not isinstance(key, str):
        raise TypeError(f"{argument} must be a str, got {type(key).__name__}")
    if not key:
        raise ValueError(f"{argument} must be a non-empty string")
    if "\x00" in key:
        raise ValueError(f"{argument} must not contain NUL characters: {key!r}")
    try:
        return key.encode("utf-8")
    except UnicodeEncodeError as error:  # lone surrogates
        raise ValueError(f"{argument} is not valid Unicode text: {key!r} ({error.reason})") from None


def path_bytes(path: Any, argument: str = "path") -> bytes:
    """A file system path (str, bytes or os.PathLike) as the bytes the C functions take."""
    try:
        encoded = os.fsencode(path)
    except TypeError:
        raise TypeError(f"{argument} must be a str, bytes or os.PathLike, got {type(path).__name__}") from None
    if not encoded:
        raise ValueError(f"{argument} must not be empty")
    if b"\x00" in encoded:
        raise ValueError(f"{argument} must not contain NUL characters: {path!r}")
    return encoded


def step_int(step: Any, argument: str = "step") -> int:
    """A step as a Python int within int64 (bool is refused: True is not a step)."""
    if type(step) is not int:
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise TypeError(f"{argument} must be an int, got {type(step).__name__}")
        step = int(step)
    assert isinstance(step, int)
    if not _INT64_MIN <= step <= _INT64_MAX:
        raise ValueError(f"{argument} must fit in a signed 64-bit integer, got {step}")
    return step


def timestamp_float(timestamp: Any, argument: str = "timestamp") -> float:
    """Unix seconds as a float (the library checks it is finite and >= 0)."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Real):
        if hasattr(timestamp, "timestamp") and callable(timestamp.timestamp):  # datetime
            return float(timestamp.timestamp())
        raise TypeError(f"{argument} must be a number of Unix seconds, got {type(timestamp).__name__}")
    return float(timestamp)


# ---------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------


def _array_buffer(array: np.ndarray, argument: str) -> Buffer:
    dtype = array.dtype
    if dtype is not _F32 and dtype is not _F64:
        kind = dtype.kind
        if kind == "f" and dtype.itemsize == 4 and dtype.isnative:
            dtype = _F32  # an equal but distinct dtype object
        elif kind == "f" and dtype.itemsize == 8 and dtype.isnative:
            dtype = _F64
        elif kind == "f" and dtype.itemsize < 4:
            array = array.astype(_F32)  # float16: exact in float32
            dtype = _F32
        elif kind in "fiub":
            array = array.astype(_F64)  # integers and booleans exact up to 2**53; big floats rounded
            dtype = _F64
        elif kind == "O":
            try:
                array = array.astype(_F64)
            except (TypeError, ValueError) as error:
                raise TypeError(f"{argument} must hold numbers; the object array does not ({error})") from None
            dtype = _F64
        elif kind == "c":
            raise TypeError(f"{argument} must be real numbers, got complex dtype {array.dtype}")
        else:
            raise TypeError(f"{argument} must be numbers, got dtype {array.dtype}")
    n = array.size
    element = FLOAT32 if dtype is _F32 else FLOAT64
    if n == 0:
        return _EMPTY_ADDRESS, 0, element, None
    flags = array.flags
    if flags.c_contiguous and flags.aligned and flags.writeable:  # the common case, ~0.3 µs
        return buffer_address(array), n, element, array
    # Order does not matter to a histogram: any dense, aligned layout is read in place.
    if not flags.aligned or not (flags.c_contiguous or flags.f_contiguous):
        array = np.ascontiguousarray(array, dtype=dtype)
    return _data_address(array), n, element, array


def _tensor_buffer(tensor: Any, torch: Any, argument: str) -> Buffer:
    if tensor.requires_grad:
        tensor = tensor.detach()
    if not tensor.is_cpu:
        tensor = tensor.cpu()
    if tensor.layout is not torch.strided:
        tensor = tensor.to_dense()
    dtype = tensor.dtype
    if dtype is not torch.float32 and dtype is not torch.float64 and dtype is not torch.bfloat16:
        if tensor.is_complex():
            raise TypeError(f"{argument} must be real numbers, got complex dtype {dtype}")
        if tensor.is_floating_point() and tensor.element_size() < 4:
            tensor = tensor.to(torch.float32)  # float16, float8: exact in float32
        else:
            tensor = tensor.to(torch.float64)  # integers and booleans
        dtype = tensor.dtype
    if not tensor.is_contiguous():
        tensor = tensor.contiguous()
    n = tensor.numel()
    # bfloat16 is read in place: the engine widens each value to float32 (exactly) as it loads it.
    element = FLOAT32 if dtype is torch.float32 else BFLOAT16 if dtype is torch.bfloat16 else FLOAT64
    if n == 0:
        return _EMPTY_ADDRESS, 0, element, None
    return tensor.data_ptr(), n, element, tensor


def values_buffer(values: Any, argument: str = "values") -> Buffer:
    """The data of numpy arrays, torch tensors (any device, dtype, shape; autograd detached),
    Python sequences and scalars as a float32, float64 or bfloat16 buffer. Dense, aligned
    float32/float64 arrays and float32/float64/bfloat16 CPU tensors are not copied."""
    if type(values) is np.ndarray:
        return _array_buffer(values, argument)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(values, torch.Tensor):
        return _tensor_buffer(values, torch, argument)
    if isinstance(values, np.ndarray):  # subclasses (np.matrix, masked arrays: their data)
        return _array_buffer(np.asarray(values), argument)
    if isinstance(values, (str, bytes, bytearray)):
        raise TypeError(f"{argument} must be numbers (an array, tensor or sequence), got {type(values).__name__}")
    if values is None:
        raise TypeError(f"{argument} must be numbers (an array, tensor or sequence), got None")
    if isinstance(values, (set, frozenset, dict)):
        values = list(values)
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{argument} must be numbers (an array, tensor or sequence): {error}") from None
    if array.dtype.kind in "US":
        raise TypeError(f"{argument} must be numbers, got strings ({array.dtype})")
    return _array_buffer(array, argument)


def float64_array(values: Any, argument: str) -> np.ndarray:
    """A 1-D contiguous float64 array (edges, counts): anything numpy reads as numbers."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{argument} must be a sequence of numbers, got {type(values).__name__}")
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{argument} must be a sequence of numbers: {error}") from None
    if array.dtype.kind == "c":
        raise TypeError(f"{argument} must be real numbers, got complex dtype {array.dtype}")
    if array.dtype.kind not in "fiubO":
        raise TypeError(f"{argument} must be a sequence of numbers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{argument} must be one-dimensional, got shape {array.shape}")
    try:
        return np.ascontiguousarray(array, dtype=_F64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{argument} must be a sequence of numbers: {error}") from None


def address(array: np.ndarray) -> int:
    """The data address of a contiguous float64 array (a valid one when empty)."""
    return _data_address(array) if array.size else _EMPTY_ADDRESS


def buffer_address(array: np.ndarray) -> int:
    """The data address of a non-empty, writeable, C-ordered array (one just made by
    ``np.empty``, say) through ctypes' buffer protocol, without looking at its flags."""
    return _addressof(_c_char_from_buffer(array))  # type: ignore[arg-type]


def _data_address(array: np.ndarray) -> int:
    """The data address of a non-empty contiguous array: through ctypes' buffer protocol when it
    is writeable and C-ordered (~0.3 µs), else ``ndarray.ctypes`` (~2 µs, a helper object a call)."""
    flags = array.flags
    if flags.writeable and flags.c_contiguous:
        return buffer_address(array)
    return int(array.ctypes.data)


# ---------------------------------------------------------------------------------------
# Bin configuration
# ---------------------------------------------------------------------------------------

_SCALES = {False: _ffi.HL_SCALE_LINEAR, True: _ffi.HL_SCALE_LOG, "auto": _ffi.HL_SCALE_AUTO}
_config_cache: dict[tuple[int, bool], Optional[_ffi.BinConfig]] = {}


def _range_pair(range: Any) -> tuple[float, float]:
    if isinstance(range, (str, bytes)) or not hasattr(range, "__len__") or len(range) != 2:
        raise TypeError(f"range must be a (low, high) pair of numbers, got {range!r}")
    low, high = range
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"range must be a (low, high) pair of numbers, got {range!r}")
    return float(low), float(high)


def bin_config(num_bins: Any, log_scale: Any, range: Any) -> Optional[_ffi.BinConfig]:
    """The ``hl_bin_config`` for these options (None = the library's defaults). Configs are
    cached: they are read-only once built, so threads share them."""
    cacheable = range is None and type(num_bins) is int and (log_scale is False or log_scale is True)
    if cacheable:
        try:
            return _config_cache[num_bins, log_scale]
        except KeyError:
            pass
    if isinstance(num_bins, bool) or not isinstance(num_bins, numbers.Integral):
        raise TypeError(f"num_bins must be an int, got {type(num_bins).__name__}")
    bins = int(num_bins)
    if not 1 <= bins <= _ffi.MAX_BINS:
        raise ValueError(f"num_bins must be between 1 and {_ffi.MAX_BINS}, got {num_bins}")
    if isinstance(log_scale, str):
        if log_scale != "auto":
            raise ValueError(f'log_scale must be False, True or "auto", got {log_scale!r}')
    elif not isinstance(log_scale, (bool, np.bool_)):
        raise TypeError(f'log_scale must be False, True or "auto", got {type(log_scale).__name__}')
    scale = _SCALES[log_scale if isinstance(log_scale, str) else bool(log_scale)]
    pair = None if range is None else _range_pair(range)
    if bins == DEFAULT_BINS and scale == _DEFAULT_SCALE and pair is None:
        config = None
    else:
        config = new_config()
        config.bins = bins
        config.scale = scale
        if pair is not None:
            config.has_range = 1
            config.range_lo, config.range_hi = pair
    if cacheable:
        if len(_config_cache) > 512:
            _config_cache.clear()
        _config_cache[bins, bool(log_scale)] = config
    return config


def edges_config(edges: np.ndarray) -> _ffi.BinConfig:
    """A config binning over explicit ``edges`` (the caller keeps ``edges`` alive)."""
    config = new_config()
    config.edges = address(edges)
    config.n_edges = edges.size
    return config


def finite_or_nan(value: float) -> float:
    return value if math.isfinite(value) else math.nan
