"""The foreign-function table against Include/histlog.h, loading, and the error mapping."""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import histlog
from histlog import _ffi
from conftest import REPOSITORY

HEADER = REPOSITORY / "Include" / "histlog.h"


def header_functions():
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    return re.findall(r"^[A-Za-z_][\w \t\*]*?\b(hl_\w+)\s*\(", text, flags=re.M)


def test_every_header_function_has_exactly_one_entry():
    declared = header_functions()
    assert len(declared) == len(set(declared)) > 20
    assert sorted(declared) == sorted(_ffi.FUNCTIONS)


def test_the_library_has_every_function():
    assert _ffi.missing_functions() == []


def test_structures_match_the_header_sizes():
    # sizes on LP64, field for field as in the header
    assert ctypes.sizeof(_ffi.BinConfig) == 4 * 4 + 8 * 2 + 8 + 8 + 8 * 2
    assert ctypes.sizeof(_ffi.DoctorOptions) == 4 * 4 + 8 * 7
    assert ctypes.sizeof(_ffi.Stats) == 8 * 7 + 8 * 8 + 8 * 5 + 8 + 4 * 2
    assert ctypes.sizeof(_ffi.RunOptions) == 4 * 4
    assert ctypes.sizeof(_ffi.Moments) == 8 * 10
    assert ctypes.sizeof(_ffi.RecordInfo) == 8 * 3 + ctypes.sizeof(_ffi.Stats)
    assert ctypes.sizeof(_ffi.TensorBoardHistogram) == 8 * 5 + 8 * 3


def test_header_version_and_defaults_agree_with_the_library():
    text = HEADER.read_text()
    major = int(re.search(r"#define HL_VERSION_MAJOR (\d+)", text).group(1))
    minor = int(re.search(r"#define HL_VERSION_MINOR (\d+)", text).group(1))
    assert (_ffi.HEADER_VERSION_MAJOR, _ffi.HEADER_VERSION_MINOR) == (major, minor)
    assert histlog.__version__ == _ffi.lib.hl_version().decode()
    pattern = r"#define (HL_E[A-Z]+|HL_OK|HL_SCALE_\w+|HL_SINK_JSON|HL_SINK_TENSORBOARD)\s+(-?\d+)"
    for name in re.findall(pattern, text):
        assert getattr(_ffi, name[0]) == int(name[1]), name
    config = _ffi.BinConfig()
    _ffi.lib.hl_bin_config_init(config, ctypes.sizeof(config))
    assert (config.size, config.bins, config.scale, config.has_range, config.outlier_threshold) == (
        ctypes.sizeof(config), 30, 0, 0, 3.0)
    # options structs carry their size: another header's (or none) is refused, not misread
    with pytest.raises(ValueError, match="size"):
        _ffi.lib.hl_bin_config_init(config, ctypes.sizeof(config) + 8)
    config.size = 0
    with pytest.raises(ValueError, match="hl_bin_config.size is 0"):
        _ffi.lib.hl_compute_f64(None, 0, config, None, 0, None, 0, ctypes.byref(ctypes.c_size_t()), None)
    doctor = _ffi.DoctorOptions()
    _ffi.lib.hl_doctor_options_init(doctor, ctypes.sizeof(doctor))
    assert (doctor.size, doctor.window) == (ctypes.sizeof(doctor), 3)
    with pytest.raises(ValueError, match="size"):
        _ffi.lib.hl_doctor_options_init(doctor, 4)
    options = _ffi.RunOptions()
    _ffi.lib.hl_run_options_init(options, ctypes.sizeof(options))
    assert (options.size, options.sinks, options.queue_capacity, options.durable) == (16, _ffi.HL_SINK_ALL, 1024, 0)
    with pytest.raises(ValueError, match="size"):
        _ffi.lib.hl_run_options_init(options, ctypes.sizeof(options) + 8)


def test_error_codes_map_to_python_exceptions():
    cases = {
        _ffi.HL_EINVAL: ValueError,
        _ffi.HL_ENULL: ValueError,
        _ffi.HL_EIO: OSError,
        _ffi.HL_EFORMAT: OSError,
        _ffi.HL_ENOMEM: MemoryError,
        _ffi.HL_ENOTFOUND: KeyError,
        _ffi.HL_ECLOSED: RuntimeError,
        _ffi.HL_EINTERNAL: RuntimeError,
        -1234: RuntimeError,
    }
    for code, expected in cases.items():
        error = _ffi.error_for(code, "hl_test")
        assert isinstance(error, expected) and isinstance(error, histlog.HistlogError) and error.code == code
    assert _ffi.lib.hl_error_name(_ffi.HL_EINVAL) == b"HL_EINVAL"
    # file-system failures are the OSError subclass their errno names, as OSError(errno, ...) is
    assert issubclass(_ffi.StorageNotFoundError, FileNotFoundError)
    assert issubclass(_ffi.StoragePermissionError, PermissionError)
    # a real failure carries this thread's message
    with pytest.raises(ValueError, match="bins|edges"):
        _ffi.lib.hl_compute_f64(None, 0, bad_config(), None, 0, None, 0, ctypes.byref(ctypes.c_size_t()), None)


def bad_config():
    config = _ffi.BinConfig()
    _ffi.lib.hl_bin_config_init(config, ctypes.sizeof(config))
    config.bins = 0
    return config


def test_loaded_from_inside_the_installed_package():
    if os.environ.get("HISTLOG_LIBRARY"):
        pytest.skip("HISTLOG_LIBRARY overrides the bundled library")
    package = Path(histlog.__file__).resolve().parent
    assert Path(_ffi.LIBRARY_PATH).resolve() == package / "libhistlog.so"
    assert (package / "py.typed").is_file()


def run_import(environment):
    return subprocess.run(
        [sys.executable, "-c", "import histlog"],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        cwd="/",
    )


def test_another_major_version_is_refused(tmp_path):
    source = tmp_path / "fake.c"
    source.write_text(
        'unsigned hl_version_number(void) { return 10203; }\nconst char *hl_version(void) { return "1.2.3"; }\n'
    )
    library = tmp_path / "libfake.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    result = run_import({"HISTLOG_LIBRARY": str(library)})
    assert result.returncode != 0
    assert "OSError" in result.stderr and str(library) in result.stderr and "1.2.3" in result.stderr


def test_missing_library_is_a_clear_oserror(tmp_path):
    result = run_import({"HISTLOG_LIBRARY": str(tmp_path / "nope.so")})
    assert "OSError" in result.stderr and "nope.so" in result.stderr and "does not exist" in result.stderr
