"""How fast a run is read back, next to Python's own JSON parsers on the same files.

Logs a run of KEYS keys x STEPS steps (default 500 x 1,000: 128 float32 values a record, 30
bins; the run of bench_report.py) unless --run names one, then times in interleaved rounds
(the order rotated every round, medians compared):

  - `histlog.open_run(run)` and every key's `history_arrays(key)` on two threads (each call
    reads one key's file; ctypes lets the calls run at once),
  - `json.load` of every file of `histograms/` (the standard library's C parser), and
    `orjson.loads` of every file's bytes when orjson is installed: peers that only build
    Python objects, checking nothing of the format,
  - `histlog.summary`, `histlog.doctor` and `histlog.report`, each of which reads the run.

Prints MB/s of JSON and records/s for the readers, and each contender's median as a ratio to
`json.load`'s. No contender's answer is trusted unread: record counts are checked every round.

Then one key's history (1,000 records) three ways: `reader.history(key)` and
`reader.history_arrays(key)` (one call into the library for the whole history) next to the
record-by-record path `history` took before (two ctypes calls a record: size, then copy).

    python bindings/python/benchmarks/bench_read.py [--keys 500] [--steps 1000] [--rounds 5] [--run DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import histlog

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_report import make_run  # noqa: E402

try:
    import orjson
except ImportError:  # optional peer
    orjson = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--run", help="an existing run to read (or where to log one)")
    arguments = parser.parse_args()

    run = arguments.run or os.path.join(tempfile.gettempdir(), f"histlog-bench-read-{arguments.keys}x{arguments.steps}-py")
    if not os.path.isdir(os.path.join(run, "histograms")):
        started = time.perf_counter()
        make_run(run, arguments.keys, arguments.steps)
        print(f"logged {arguments.keys} keys x {arguments.steps} steps into {run} in {time.perf_counter() - started:.1f} s")
    files = sorted(pathlib.Path(run, "histograms").glob("*.json"))
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    with histlog.open_run(run) as reader:
        keys = reader.keys()
        records = sum(len(reader.steps(key)) for key in keys)
    html = os.path.join(tempfile.gettempdir(), "histlog-bench-read-report.html")

    def read_histlog() -> int:
        with histlog.open_run(run) as reader, ThreadPoolExecutor(2) as pool:
            return sum(pool.map(lambda key: len(reader.history_arrays(key)), keys))

    def read_json() -> int:
        total = 0
        for path in files:
            with open(path, "rb") as file:
                total += len(json.load(file))
        return total

    def read_orjson() -> int:
        total = 0
        for path in files:
            with open(path, "rb") as file:
                total += len(orjson.loads(file.read()))
        return total

    contenders = [("histlog.open_run", read_histlog, True), ("json.load", read_json, True)]
    if orjson is not None:
        contenders.append(("orjson.loads", read_orjson, True))
    contenders += [
        ("histlog.summary", lambda: len(histlog.summary(run)) and records, False),
        ("histlog.doctor", lambda: len(histlog.doctor(run)) * 0 + records, False),
        ("histlog.report", lambda: os.path.getsize(histlog.report(run, html)) and records, False),
    ]
    times = {name: [] for name, _, _ in contenders}
    for round_index in range(arguments.rounds):
        shift = round_index % len(contenders)
        for name, body, _ in contenders[shift:] + contenders[:shift]:
            started = time.perf_counter()
            result = body()
            times[name].append(time.perf_counter() - started)
            if result != records:
                raise SystemExit(f"{name} saw {result} records, expected {records}")

    print(f"bench_read: {len(keys)} keys, {records} records, {megabytes:.1f} MB of JSON in {run}/histograms; "
          f"{arguments.rounds} interleaved rounds")
    print(f"{'contender':20}{'median s':>10}{'min s':>10}{'MB/s':>10}{'records/s':>12}{'x json.load':>13}")
    reference = statistics.median(times["json.load"])
    for name, _, is_reader in contenders:
        median = statistics.median(times[name])
        rates = f"{megabytes / median:10.1f}{records / median:12.0f}" if is_reader else " " * 22
        print(f"{name:20}{median:10.3f}{min(times[name]):10.3f}{rates}{reference / median:13.2f}")
    if orjson is None:
        print("orjson not installed: not compared")
    print("x json.load: json.load's median time / the contender's (above 1: faster than json.load)")
    history_table(run, keys[len(keys) // 2], arguments.rounds * 3)


def history_table(run: str, key: str, rounds: int) -> None:
    """One key's whole history: one call into the library next to two calls a record."""
    from ctypes import byref, c_size_t

    from histlog import _adapt, _reader

    reader = histlog.open_run(run)
    expected = reader.history_arrays(key)

    def record_by_record() -> list:
        key_bytes = _adapt.key_bytes(key)
        count = c_size_t()
        with reader.borrowed() as handle:
            _reader._lib.hl_reader_record_count(handle, key_bytes, byref(count))
            return [_reader._record(handle, key, key_bytes, index) for index in range(count.value)]

    def check(result) -> None:
        means = [data.mean for data in result] if isinstance(result, list) else result.mean
        if not np.array_equal(np.asarray(means), expected.mean, equal_nan=True):
            raise SystemExit("a history contender read different records")

    contenders = [
        ("2 calls a record (before)", record_by_record),
        ("history(key)", lambda: reader.history(key)),
        ("history_arrays(key)", lambda: reader.history_arrays(key)),
    ]
    times = {name: [] for name, _ in contenders}
    for round_index in range(rounds):
        shift = round_index % len(contenders)
        for name, body in contenders[shift:] + contenders[:shift]:
            started = time.perf_counter()
            result = body()
            times[name].append(time.perf_counter() - started)
            check(result)
    reference = statistics.median(times["2 calls a record (before)"])
    print(f"one key's history ({len(expected)} records, {key}); {rounds} interleaved rounds")
    print(f"{'contender':28}{'median ms':>11}{'min ms':>10}{'x before':>10}")
    for name, _ in contenders:
        median = statistics.median(times[name])
        print(f"{name:28}{median * 1e3:11.2f}{min(times[name]) * 1e3:10.2f}{reference / median:10.1f}")
    reader.close()


if __name__ == "__main__":
    main()
