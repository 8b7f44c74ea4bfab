"""Reading long runs in bounded memory: peak RSS and time of what a user runs on a run of
100 keys x 1,000 steps (100k records) next to one of 100 keys x 10,000 steps (1M records).

Each contender runs in its own process (peak RSS is the process's `ru_maxrss`):

  - `histlog summary RUN`, `histlog doctor RUN`, `histlog report RUN -o ...` (the command line),
  - `histlog.open_run(RUN).get(key, step)` (one record of the middle key),
  - `python -c "import histlog"`: the floor every Python contender starts from.

Then, in this process, reading one key (`open_run(RUN).history(key)`) next to reading every
key one after another, as a ratio of their times.

The runs are logged once with `histlog-bench --make-run` (128 float32 values a record, 30 bins,
JSON only) into --runs (default .build/bench-runs) and reused.

    python bindings/python/benchmarks/bench_memory.py --bench .build/release/histlog-bench [--runs DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import histlog

KEYS = 100
STEP_COUNTS = (1_000, 10_000)


def ensure_run(bench: str, directory: str, steps: int) -> str:
    run = os.path.join(directory, f"{KEYS}x{steps}")
    marker = os.path.join(run, ".complete")
    if not os.path.exists(marker):
        subprocess.run(["rm", "-rf", run], check=True)
        os.makedirs(directory, exist_ok=True)
        started = time.perf_counter()
        subprocess.run([bench, "--make-run", run, str(KEYS), str(steps)], check=True)
        open(marker, "w").close()
        print(f"logged {KEYS} keys x {steps} steps into {run} in {time.perf_counter() - started:.0f} s", flush=True)
    return run


def peak(command: list) -> tuple:
    """Runs `command` in a child process: (peak RSS in MB, wall seconds, exit status)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    error = child.stderr.read().decode()
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1) or error:  # the doctor exits 1 when it finds something
        raise SystemExit(f"{' '.join(command)} failed ({code}): {error}")
    return usage.ru_maxrss / 1024, elapsed, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, help="the histlog-bench executable (logs the runs)")
    parser.add_argument("--runs", default=os.path.join(".build", "bench-runs"), help="where the runs are kept")
    arguments = parser.parse_args()

    runs = [ensure_run(arguments.bench, arguments.runs, steps) for steps in STEP_COUNTS]
    python = sys.executable
    html = os.path.join(tempfile.gettempdir(), f"histlog-bench-memory-{os.getpid()}.html")
    with histlog.open_run(runs[0]) as reader:
        key = reader.keys()[KEYS // 2]
    get = "import sys, histlog; r = histlog.open_run(sys.argv[1]); assert r.get(sys.argv[2], int(sys.argv[3])).total_count == 128"
    contenders = [
        ("histlog summary", lambda run, steps: [python, "-m", "histlog", "summary", run]),
        ("histlog doctor", lambda run, steps: [python, "-m", "histlog", "doctor", run]),
        ("histlog report", lambda run, steps: [python, "-m", "histlog", "report", run, "-o", html]),
        ("open_run(run).get", lambda run, steps: [python, "-c", get, run, key, str(steps // 2)]),
        ("import histlog", lambda run, steps: [python, "-c", "import histlog"]),
    ]
    sizes = [sum(entry.stat().st_size for entry in os.scandir(os.path.join(run, "histograms"))) / 1e6 for run in runs]
    print(f"bench_memory: {KEYS} keys x {STEP_COUNTS[0]:,} steps ({sizes[0]:,.0f} MB of JSON) next to "
          f"{KEYS} keys x {STEP_COUNTS[1]:,} steps ({sizes[1]:,.0f} MB); one process per contender")
    print(f"{'contender':22}{'100k: MB':>10}{'s':>8}{'1M: MB':>10}{'s':>8}{'1M / 100k MB':>14}")
    for name, command in contenders:
        results = [peak(command(run, steps)) for run, steps in zip(runs, STEP_COUNTS)]
        (small, small_s, _), (large, large_s, _) = results
        print(f"{name:22}{small:10.1f}{small_s:8.2f}{large:10.1f}{large_s:8.2f}{large / small:14.2f}")
    os.remove(html)

    # One key against every key, in this process (the files are in the page cache by now).
    for run, steps in zip(runs, STEP_COUNTS):
        one, every = [], []
        for _ in range(3):
            started = time.perf_counter()
            with histlog.open_run(run) as reader:
                assert len(reader.history(key)) == steps
            one.append(time.perf_counter() - started)
            started = time.perf_counter()
            with histlog.open_run(run) as reader:
                assert sum(len(reader.history(k)) for k in reader.keys()) == KEYS * steps
            every.append(time.perf_counter() - started)
        ratio = statistics.median(one) / statistics.median(every)
        print(f"{KEYS} x {steps:,}: open_run + history(one key) {statistics.median(one):.3f} s, every key "
              f"{statistics.median(every):.3f} s: one key costs {ratio:.3f} of all ({1 / ratio:.0f}x less)")


if __name__ == "__main__":
    main()
