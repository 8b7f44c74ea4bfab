"""How big the HTML report of a large run is, and how fast it is written and opened.

Logs a run of KEYS keys x STEPS steps (default 500 x 1,000: 128 float32 values a record,
default 30 bins) through histlog, then measures:

  - `histlog.report(run)`: reading the run and writing the page (median of --rounds),
  - the page's size,
  - opening it in headless Chromium (DevTools protocol, no virtual time): `load_ms` until the
    load event, `ready_ms` until the charts in the first screen are drawn (the page's own
    performance.now()), `wall_s` from the navigation request until then; and drawing every
    chart of every key at once (`draw_all_ms`).

    python bindings/python/benchmarks/bench_report.py [--keys 500] [--steps 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

import histlog

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))
import browser  # noqa: E402


def make_run(path: str, keys: int, steps: int) -> None:
    rng = np.random.default_rng(0)
    pool = [rng.normal(0, 1, 128).astype(np.float32) for _ in range(16)]
    names = [f"{('Parameters', 'Gradients', 'Activations')[k % 3]}/block{k // 30}/layer{k % 30}.weight"
             for k in range(keys)]
    with histlog.start_run(path) as run:
        for step in range(steps):
            drift = 1 + step / steps
            for k, name in enumerate(names):
                values = pool[(k + step) % len(pool)] * drift
                if name.startswith("Activations"):
                    values = np.maximum(values, 0)
                run.log_histogram(values, key=name, step=step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="write the run and the report here instead of a temporary directory")
    arguments = parser.parse_args()

    directory = arguments.keep or tempfile.mkdtemp(prefix="histlog-bench-report-")
    run = os.path.join(directory, "run")
    started = time.perf_counter()
    make_run(run, arguments.keys, arguments.steps)
    print(f"logged {arguments.keys} keys x {arguments.steps} steps in {time.perf_counter() - started:.1f} s "
          f"({sum(f.stat().st_size for f in pathlib.Path(run, 'histograms').iterdir()) / 1e6:.0f} MB of JSON)")

    html = os.path.join(directory, "report.html")
    times = []
    for _ in range(arguments.rounds):
        started = time.perf_counter()
        histlog.report(run, html)
        times.append(time.perf_counter() - started)
    print(f"histlog.report: median {statistics.median(times):.2f} s, min {min(times):.2f} s "
          f"(read the run, run the doctor, write the page)")
    print(f"report size: {os.path.getsize(html) / 1e6:.2f} MB ({os.path.getsize(html) / arguments.keys / 1e3:.1f} kB a key)")

    if browser.chromium_path() is None:
        print("chromium not installed: open times not measured")
        return
    opened = [browser.render(html, width=1400, height=1000) for _ in range(arguments.rounds)]
    for name in ("load_ms", "ready_ms"):
        values = [o[name] for o in opened]
        print(f"open in chromium, {name}: median {statistics.median(values):.0f} ms, min {min(values):.0f} ms")
    wall = [o["wall_s"] for o in opened]
    print(f"open in chromium, navigation to first charts (wall): median {statistics.median(wall):.2f} s")
    drawn = browser.render(html, width=1400, height=1000, draw_all=True)
    print(f"drawing all {drawn['charts']} charts at once: {drawn['draw_all_ms']:.0f} ms; "
          f"errors: {drawn['errors'] or 'none'}")


if __name__ == "__main__":
    main()
