"""The ``histlog`` command (also ``python -m histlog``): a small dispatch table of subcommands.

Add a command by appending a ``Command`` to ``COMMANDS``: a name, a one-line help, a function
that declares its arguments on an ``argparse`` parser, and a function that runs it and returns
the exit status.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _run_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN", help="a run directory, or a TensorBoard event file or directory")


# -- keys -----------------------------------------------------------------------------------


def _keys(args: argparse.Namespace) -> int:
    from . import open_run

    with open_run(args.run) as reader:
        for key in reader.keys():
            if args.steps:
                steps = reader.steps(key)
                span = f"{steps[0]}..{steps[-1]}" if steps else "-"
                print(f"{key}\t{len(steps)} records\tsteps {span}")
            else:
                print(key)
    return 0


def _keys_arguments(parser: argparse.ArgumentParser) -> None:
    _run_argument(parser)
    parser.add_argument("--steps", action="store_true", help="also print each key's record count and step span")


# -- show -----------------------------------------------------------------------------------


def _number(value: Optional[float]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.6g}"


def _show(args: argparse.Namespace) -> int:
    from . import open_run

    with open_run(args.run) as reader:
        data = reader.get(args.key, args.step) if args.step is not None else reader.latest(args.key)
    width = max(10, min(60, shutil.get_terminal_size((100, 24)).columns - 40))
    print(f"{data.name}  step {data.step}  timestamp {data.timestamp}")
    estimated = f"  (estimated from bins: {', '.join(data.estimated_statistics)})" if data.estimated else ""
    print(
        f"count {data.total_count}  nan {data.nan_count}  inf {data.inf_count}  "
        f"zeros {'-' if data.zero_count is None else data.zero_count}  outliers {data.outlier_count}{estimated}"
    )
    print(
        f"min {_number(data.min_value)}  max {_number(data.max_value)}  mean {_number(data.mean)}  "
        f"std {_number(data.std)}  skewness {_number(data.skewness)}  kurtosis {_number(data.kurtosis)}"
    )
    print("quantiles  " + "  ".join(f"{p:g}: {_number(q)}" for p, q in data.quantiles.items()))
    peak = max(data.counts.max(initial=0.0), 1.0)
    for index, count in enumerate(data.counts):
        bar = "#" * round(width * count / peak)
        print(
            f"[{data.bin_edges[index]:>12.5g}, {data.bin_edges[index + 1]:>12.5g}{']' if index == len(data.counts) - 1 else ')'} {count:>10g} {bar}"
        )
    return 0


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    _run_argument(parser)
    parser.add_argument("key", metavar="KEY", help="the histogram's key, e.g. Parameters/fc1.weight")
    parser.add_argument("--step", type=int, default=None, help="the step to show (default: the last record)")


# -- report, summary, doctor (histlog/_report.py) --------------------------------------------


def _from_report(name: str) -> Callable[[Any], Any]:
    def call(argument: Any) -> Any:
        from . import _report as report

        return getattr(report, name)(argument)

    return call


COMMANDS: List[Command] = [
    Command("keys", "list the histogram keys of a run", _keys_arguments, _keys),
    Command("show", "print one histogram and its statistics", _show_arguments, _show),
    Command("summary", "print a table of every key's latest statistics", _from_report("summary_arguments"),
            _from_report("summary_command")),
    Command("doctor", "check a run for training problems (exit status 1 if any)", _from_report("doctor_arguments"),
            _from_report("doctor_command")),
    Command("report", "write a self-contained HTML report of a run", _from_report("report_arguments"),
            _from_report("report_command")),
]


def parser() -> argparse.ArgumentParser:
    from . import __version__

    top = argparse.ArgumentParser(prog="histlog", description="Look at histogram runs written by histlog.")
    top.add_argument("--version", action="version", version=f"histlog {__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, description=command.help)
        command.arguments(sub)
        sub.set_defaults(_run=command.run)
    return top


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = parser().parse_args(argv)
    if arguments.command is None:
        parser().print_help()
        return 2
    try:
        status: int = arguments._run(arguments)
        return status
    except (OSError, KeyError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"histlog {arguments.command}: {message}", file=sys.stderr)
        return 1
