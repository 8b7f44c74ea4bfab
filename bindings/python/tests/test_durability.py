"""Everything logged before flush() returned survives a SIGKILL of the logging process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import histlog

CHILD = textwrap.dedent(
    """
    import sys, numpy as np, histlog
    run = histlog.start_run(sys.argv[1])
    values = np.random.default_rng(0).normal(size=10_000).astype(np.float32)
    step = 0
    while True:
        for key in ("a", "b/c", "d"):
            histlog.log_histogram(values + step, key=key, step=step)
        if step % 5 == 4:
            histlog.flush()
            print(step, flush=True)  # everything up to this step is durable
        step += 1
    """
)


def test_sigkill_keeps_every_flushed_record(tmp_path):
    for trial in range(3):
        run_path = tmp_path / f"run{trial}"
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(run_path)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
        )
        flushed = -1
        try:
            for _ in range(3 + trial * 4):
                flushed = int(child.stdout.readline())
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL
        reader = histlog.open_run(run_path)
        assert reader.keys() == ["a", "b/c", "d"]
        for key in reader.keys():
            steps = reader.steps(key)
            assert steps[: flushed + 1] == list(range(flushed + 1)), (key, flushed, steps[:10])
            data = reader.get(key, flushed)
            assert data.total_count == 10_000
