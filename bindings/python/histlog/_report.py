"""Looking at a run: an HTML report, a terminal summary and the training-health doctor.

The rules, the aggregation and the page are the engine's (``hl_report_write``, ``hl_summary_text``,
``hl_doctor`` in ``Include/histlog.h``); this module only adapts arguments and results.

    >>> import histlog
    >>> histlog.report("histlog-runs/demo")          # -> "histlog-runs/demo/report.html"
    >>> print(histlog.summary("histlog-runs/demo"))
    >>> for finding in histlog.doctor("histlog-runs/demo", dead_zero_fraction=0.8):
    ...     print(finding)
"""

from __future__ import annotations

import argparse
import errno
import ctypes
import dataclasses
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from . import _adapt, _ffi, _reader

PathLike = Union[str, "os.PathLike[str]"]

#: The doctor's thresholds: ``doctor(run, **thresholds)`` keyword -> ``hl_doctor_options`` field.
#: Their defaults and meaning are documented in ``Include/histlog.h`` (and ``DoctorOptions``).
THRESHOLDS = (
    "window",
    "frozen_min_steps",
    "vanishing_scale_floor",
    "vanishing_drop_factor",
    "vanishing_layer_ratio",
    "exploding_scale_ceiling",
    "exploding_max_abs_ceiling",
    "exploding_growth_factor",
    "dead_zero_fraction",
)
_INTEGER_THRESHOLDS = ("window", "frozen_min_steps")


@dataclass(frozen=True)
class Finding:
    """One problem the doctor found: the ``rule`` ("non_finite", "vanishing_gradients",
    "exploding_gradients", "dead_units", "frozen_weights"), its ``severity`` ("error" or
    "warning"), the ``key`` and the first ``step`` where it shows, a sentence, and the numbers."""

    rule: str
    severity: str
    key: str
    step: int
    message: str
    evidence: Dict[str, Optional[float]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.severity}: {self.rule} in {self.key} at step {self.step}: {self.message}"


def default_thresholds() -> Dict[str, float]:
    """The doctor's default thresholds (``hl_doctor_options_init``)."""
    options = _ffi.DoctorOptions()
    _ffi.lib.hl_doctor_options_init(ctypes.byref(options), ctypes.sizeof(options))
    return {name: getattr(options, name) for name in THRESHOLDS}


def _options(thresholds: Dict[str, Any]) -> "_ffi.DoctorOptions":
    options = _ffi.DoctorOptions()
    _ffi.lib.hl_doctor_options_init(ctypes.byref(options), ctypes.sizeof(options))
    for name, value in thresholds.items():
        if name not in THRESHOLDS:
            raise TypeError(f"unknown doctor threshold {name!r}; the thresholds are: {', '.join(THRESHOLDS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if name in _INTEGER_THRESHOLDS:
            if value != int(value):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
            if not -(2**31) <= value < 2**31:
                raise ValueError(f"{name} is out of range: {value!r}")
            value = int(value)
        setattr(options, name, value)
    return options


def _run_path(run: Any) -> bytes:
    """A run directory (or event file) path from a path or a ``Run``; a ``Run`` is flushed first.
    A path that does not exist raises ``FileNotFoundError``, as ``open_run`` raises an ``OSError``."""
    path = _path(run)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "no run at this path", os.fsdecode(path))
    return path


def _open(run: Any) -> "_reader.RunReader":
    """A reader of ``run`` (a path or a ``Run``, flushed first) for one call of the engine."""
    return _reader.RunReader(os.fsdecode(_run_path(run)))


def _path(run: Any, argument: str = "run") -> bytes:
    if hasattr(run, "flush") and hasattr(run, "path"):
        run.flush()
        run = run.path
    try:
        path = os.fspath(run)
    except TypeError:
        raise TypeError(f"run must be a path or a histlog Run, got {type(run).__name__}") from None
    return _adapt.path_bytes(path, argument)


def _text(function: Any, *arguments: Any) -> str:
    """Calls a text-returning export: size query, then the copy (retried if the run grew)."""
    length = ctypes.c_size_t(0)
    capacity = 1 << 16
    while True:
        buffer = ctypes.create_string_buffer(capacity)
        status = function(*arguments, buffer, capacity, ctypes.byref(length))
        if status != _ffi.HL_ESIZE:
            return buffer.raw[: length.value].decode("utf-8")
        capacity = length.value + 1 + (length.value >> 4)


def doctor(run: Any, **thresholds: Any) -> List[Finding]:
    """The doctor's findings for ``run`` (a path or a ``Run``), errors first, then by step.

    ``thresholds`` override the defaults by name (see ``THRESHOLDS`` / ``default_thresholds()``),
    e.g. ``doctor(path, dead_zero_fraction=0.8, vanishing_scale_floor=1e-10)``.
    """
    options = _options(thresholds)
    count = ctypes.c_size_t(0)
    with _open(run) as reader:
        text = _text(lambda *rest: _ffi.lib.hl_doctor(reader, ctypes.byref(options), *rest, ctypes.byref(count)))
    return [
        Finding(item["rule"], item["severity"], item["key"], int(item["step"]), item["message"], dict(item["evidence"]))
        for item in json.loads(text)
    ]


def summary(run: Any, width: int = 100) -> str:
    """The terminal table of ``run``: per key its steps, latest mean/std/min/max, share of zeros,
    outliers, NaN/Inf and a sparkline of its latest histogram, at most ``width`` columns wide."""
    if isinstance(width, bool) or not isinstance(width, int):
        raise TypeError(f"width must be an int, got {type(width).__name__}")
    if not 60 <= width <= 10_000:
        raise ValueError(f"width must be in 60..10000 columns, got {width}")
    with _open(run) as reader:
        return _text(lambda *rest: _ffi.lib.hl_summary_text(reader, width, *rest))


def report(run: Any, output: Optional[PathLike] = None, **thresholds: Any) -> str:
    """Writes the self-contained HTML report of ``run`` to ``output`` (default ``report.html``
    inside the run directory, or beside an event file) and returns its path. The doctor's
    findings, with ``thresholds`` as in ``doctor()``, are shown at its top."""
    return _write_report(run, output, thresholds)[0]


def _write_report(run: Any, output: Optional[PathLike], thresholds: Dict[str, Any]) -> "tuple[str, int]":
    """Writes the report; returns its path and the number of the doctor's findings."""
    path = _run_path(run)
    if output is None:
        base = path.rstrip(b"/") or path
        directory = base if os.path.isdir(base) else os.path.dirname(base) or b"."
        output_path = os.path.join(directory, b"report.html")
    else:
        output_path = _path(output, "output")
    options = _options(thresholds)
    count = ctypes.c_size_t(0)
    with _reader.RunReader(os.fsdecode(path)) as reader:
        _ffi.lib.hl_report_write(reader, output_path, ctypes.byref(options), ctypes.byref(count))
    return os.fsdecode(output_path), count.value


# -- command line (registered in _cli.COMMANDS) --------------------------------------------------


def _threshold_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("doctor thresholds (meaning: README \"Looking at a run\", Include/histlog.h)")
    defaults = default_thresholds()
    for name in THRESHOLDS:
        group.add_argument(
            "--" + name.replace("_", "-"), dest=name, metavar="N",
            type=int if name in _INTEGER_THRESHOLDS else float, default=None,
            help=f"default {defaults[name]:g}")


def _given_thresholds(arguments: argparse.Namespace) -> Dict[str, Any]:
    return {name: getattr(arguments, name) for name in THRESHOLDS if getattr(arguments, name) is not None}


def report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN", help="a run directory, or a TensorBoard event file or directory")
    parser.add_argument("-o", "--output", help="the HTML file to write (default: RUN/report.html)")
    _threshold_arguments(parser)


def report_command(arguments: argparse.Namespace) -> int:
    written, findings = _write_report(arguments.run, arguments.output, _given_thresholds(arguments))
    verdict = "no problems found" if not findings else f"{findings} finding(s): run `histlog doctor {arguments.run}`"
    print(f"wrote {written} ({os.path.getsize(written)} bytes); doctor: {verdict}")
    return 0


def summary_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN", help="a run directory, or a TensorBoard event file or directory")
    parser.add_argument("--width", type=int, default=None, help="table width in columns (default: the terminal's, at least 100)")


def summary_command(arguments: argparse.Namespace) -> int:
    import shutil

    width = arguments.width if arguments.width is not None else max(100, shutil.get_terminal_size((100, 24)).columns)
    sys.stdout.write(summary(arguments.run, width=width))
    return 0


def doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN", help="a run directory, or a TensorBoard event file or directory")
    parser.add_argument("--json", action="store_true", help="print the findings as a JSON array")
    _threshold_arguments(parser)


def doctor_command(arguments: argparse.Namespace) -> int:
    """Exit status 0 when healthy, 1 when the doctor found a problem (or the run cannot be read)."""
    findings = doctor(arguments.run, **_given_thresholds(arguments))
    if arguments.json:
        print(json.dumps([dataclasses.asdict(finding) for finding in findings], indent=1))
    elif not findings:
        print(f"{arguments.run}: no problems found")
    else:
        errors = sum(finding.severity == "error" for finding in findings)
        print(f"{arguments.run}: {len(findings)} finding(s), {errors} error(s)")
        for finding in findings:
            print(f"  {finding.severity:<7} {finding.rule:<19} {finding.key}  step {finding.step}")
            print(f"          {finding.message}")
    return 1 if findings else 0
