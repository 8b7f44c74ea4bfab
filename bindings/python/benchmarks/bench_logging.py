"""histlog's Python logging next to torch.utils.tensorboard.SummaryWriter.add_histogram.

Four scenarios, each contender on the same inputs in the same process (BENCHMARKING.md):
interleaved round-robin with the order rotated every round, warm-up rounds first, medians and
minimums over the measured rounds, each batch of calls timed together with its flush.

  1. 1M float32 values: one log call + flush per timed batch.
  1b. the same for a 1M bfloat16 tensor, read in place, next to logging its float32 copy (what a
     bfloat16 tensor cost before the engine read bfloat16) and TensorBoard.
  2. a 128-value tensor: per-call cost over a batch of calls + one flush.
  3. a training loop of a ~3M-parameter MLP logging every parameter and gradient every step:
     the time logging adds to a step (step with logging minus the step without).

histlog.SummaryWriter (the drop-in: torch's writer with histlog's add_histogram, default bins)
runs next to both in every scenario.

Run it with `make bench`, or `python bindings/python/benchmarks/bench_logging.py [--rounds N]`
inside the .venv. Every scenario is measured twice, torch with its default thread count and
with torch.set_num_threads(1); one table shows both.
"""

from __future__ import annotations

import argparse
import os
import sys

_ENVIRONMENT = {
    "OPENBLAS_NUM_THREADS": "1",  # numpy's BLAS threads busy-wait after TensorBoard's dot()
    "MALLOC_MMAP_MAX_": "0",  # keep big buffers in the heap: no page faults on reuse
    "MALLOC_TRIM_THRESHOLD_": str(1 << 34),
}
if any(os.environ.get(key) != value for key, value in _ENVIRONMENT.items()):
    os.environ.update(_ENVIRONMENT)
    os.execv(sys.executable, [sys.executable, *sys.argv])

import gc  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Callable, Dict, List, Sequence, Tuple  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TensorBoardWriter  # noqa: E402

import histlog  # noqa: E402

Contender = Tuple[str, Callable[[int], None]]  # (label, run one timed batch for round r)


def race(contenders: Sequence[Contender], rounds: int, warmup: int, per_batch: int) -> Dict[str, List[float]]:
    """Seconds per unit (batch time / per_batch) of every contender, interleaved and rotated."""
    times: Dict[str, List[float]] = {label: [] for label, _ in contenders}
    for round_index in range(warmup + rounds):
        shift = round_index % len(contenders)
        for label, batch in list(contenders[shift:]) + list(contenders[:shift]):
            gc.collect()
            start = time.perf_counter()
            batch(round_index)
            elapsed = time.perf_counter() - start
            if round_index >= warmup:
                times[label].append(elapsed / per_batch)
    return times


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:9.1f} µs"


class Table:
    def __init__(self) -> None:
        self.rows: List[Tuple[str, str, str, str, str, str]] = []
        self.threads = ""  # torch's thread count for the rows being added
        self.notes: List[str] = []  # lines printed after the table

    def add(
        self, scenario: str, times: Dict[str, List[float]], reference: str, baseline: Sequence[float] = (0.0,)
    ) -> None:
        """Rows of medians and minimums, less the baseline's median and minimum when one is given."""
        offset = statistics.median(baseline)
        medians = {label: statistics.median(values) - offset for label, values in times.items()}
        for label, values in times.items():
            share = medians[label] / medians[reference]
            ratio = "" if label == reference else f"{share:6.1f}x" if share >= 1 else f"{share:6.3f}x"
            minimum = min(values) - min(baseline)
            row = (self.threads, scenario, label, milliseconds(medians[label]), milliseconds(minimum), ratio)
            self.rows.append(row)
            scenario = ""

    def print(self, title: str) -> None:
        header = ("torch threads", "scenario", "contender", "median", "min", "vs histlog")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(len(header))]
        print(f"\n{title}")
        print("  ".join(text.ljust(width) for text, width in zip(header, widths)))
        print("  ".join("-" * width for width in widths))
        for row in self.rows:
            print("  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
        for note in self.notes:
            print(note)


def large_arrays(directory: str, rounds: int, table: Table) -> None:
    arrays = [np.random.default_rng(seed).normal(size=1_000_000).astype(np.float32) for seed in range(4)]
    run = histlog.start_run(os.path.join(directory, "large-histlog"))
    tensorboard = TensorBoardWriter(os.path.join(directory, "large-tensorboard"))
    tensorboard30 = TensorBoardWriter(os.path.join(directory, "large-tensorboard30"))
    drop_in = histlog.SummaryWriter(os.path.join(directory, "large-drop-in"))

    def histlog_batch(r: int) -> None:
        run.log_histogram(arrays[r % 4], key="large", step=r)
        run.flush()

    def drop_in_batch(r: int) -> None:
        drop_in.add_histogram("large", arrays[r % 4], r)
        drop_in.flush()

    def tensorboard_batch(r: int) -> None:
        tensorboard.add_histogram("large", arrays[r % 4], r)
        tensorboard.flush()

    def tensorboard30_batch(r: int) -> None:
        tensorboard30.add_histogram("large", arrays[r % 4], r, bins=30)
        tensorboard30.flush()

    def floor_batch(r: int) -> None:
        arrays[r % 4].max()

    times = race(
        [
            ("histlog log_histogram", histlog_batch),
            ("histlog.SummaryWriter", drop_in_batch),
            ("TensorBoard add_histogram", tensorboard_batch),
            ("TensorBoard bins=30", tensorboard30_batch),
            ("floor: x.max()", floor_batch),
        ],
        rounds,
        warmup=3,
        per_batch=1,
    )
    table.add("1M float32, log + flush", times, "histlog log_histogram")
    run.close()
    drop_in.close()
    tensorboard.close()
    tensorboard30.close()
    check_records(run.path, "large", arrays, rounds + 3)
    check_records(drop_in.run.path, "large", arrays, rounds + 3)


def bfloat16_tensors(directory: str, rounds: int, table: Table) -> None:
    tensors = [torch.from_numpy(np.random.default_rng(seed).normal(size=1_000_000)).to(torch.bfloat16) for seed in range(4)]
    run = histlog.start_run(os.path.join(directory, "bf16-histlog"))
    tensorboard = TensorBoardWriter(os.path.join(directory, "bf16-tensorboard"))

    def histlog_batch(r: int) -> None:
        run.log_histogram(tensors[r % 4], key="bf16", step=r)
        run.flush()

    def copy_batch(r: int) -> None:
        run.log_histogram(tensors[r % 4].to(torch.float32), key="float32 copy", step=r)
        run.flush()

    def tensorboard_batch(r: int) -> None:
        tensorboard.add_histogram("bf16", tensors[r % 4], r)
        tensorboard.flush()

    def floor_batch(r: int) -> None:
        tensors[r % 4].max()

    times = race(
        [
            ("histlog log_histogram", histlog_batch),
            ("histlog of a float32 copy", copy_batch),
            ("TensorBoard add_histogram", tensorboard_batch),
            ("floor: x.max()", floor_batch),
        ],
        rounds,
        warmup=3,
        per_batch=1,
    )
    table.add("1M bfloat16, log + flush", times, "histlog log_histogram")
    run.close()
    tensorboard.close()
    arrays = [tensor.to(torch.float64).numpy() for tensor in tensors]
    check_records(run.path, "bf16", arrays, rounds + 3)
    check_records(run.path, "float32 copy", arrays, rounds + 3)


def small_tensors(directory: str, rounds: int, table: Table) -> None:
    tensors = [torch.randn(128, generator=torch.Generator().manual_seed(seed)) for seed in range(4)]
    calls = 200
    run = histlog.start_run(os.path.join(directory, "small-histlog"))
    tensorboard = TensorBoardWriter(os.path.join(directory, "small-tensorboard"))
    tensorboard30 = TensorBoardWriter(os.path.join(directory, "small-tensorboard30"))
    drop_in = histlog.SummaryWriter(os.path.join(directory, "small-drop-in"))

    def histlog_batch(r: int) -> None:
        values = tensors[r % 4]
        log = run.log_histogram
        for call in range(calls):
            log(values, key="small", step=call)
        run.flush()

    def drop_in_batch(r: int) -> None:
        values = tensors[r % 4]
        for call in range(calls):
            drop_in.add_histogram("small", values, call)
        drop_in.flush()

    def tensorboard_batch(r: int) -> None:
        values = tensors[r % 4]
        for call in range(calls):
            tensorboard.add_histogram("small", values, call)
        tensorboard.flush()

    def tensorboard30_batch(r: int) -> None:
        values = tensors[r % 4]
        for call in range(calls):
            tensorboard30.add_histogram("small", values, call, bins=30)
        tensorboard30.flush()

    times = race(
        [
            ("histlog log_histogram", histlog_batch),
            ("histlog.SummaryWriter", drop_in_batch),
            ("TensorBoard add_histogram", tensorboard_batch),
            ("TensorBoard bins=30", tensorboard30_batch),
        ],
        rounds,
        warmup=3,
        per_batch=calls,
    )
    table.add("128-value tensor, per call", times, "histlog log_histogram")
    run.close()
    drop_in.close()
    tensorboard.close()
    tensorboard30.close()
    expected = tensors[(rounds + 2) % 4].double().numpy()
    for path in (run.path, drop_in.run.path):
        last = histlog.open_run(path).get("small", calls - 1)
        assert np.array_equal(last.counts, np.histogram(expected, bins=last.bin_edges)[0]), (
            "histlog counts differ from numpy"
        )


def training_loop(directory: str, rounds: int, table: Table) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(1024, 1024),
        torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024),
        torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024),
        torch.nn.ReLU(),
        torch.nn.Linear(1024, 10),
    )
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    batches = [(torch.randn(64, 1024), torch.randint(0, 10, (64,))) for _ in range(4)]
    steps = 5
    run = histlog.start_run(os.path.join(directory, "train-histlog"))
    watched_run = histlog.Run(os.path.join(directory, "train-watch"))
    tensorboard = TensorBoardWriter(os.path.join(directory, "train-tensorboard"))
    drop_in = histlog.SummaryWriter(os.path.join(directory, "train-drop-in"))
    global_step = [0]

    def train_step(r: int) -> None:
        x, y = batches[r % 4]
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    def log_with(log: Callable[[str, torch.Tensor, int], None]) -> None:
        step = global_step[0]
        for name, parameter in model.named_parameters():
            log(f"Parameters/{name}", parameter, step)
            log(f"Gradients/{name}", parameter.grad, step)
        global_step[0] += 1

    def plain(r: int) -> None:
        for _ in range(steps):
            train_step(r)

    def with_histlog(r: int) -> None:
        for _ in range(steps):
            train_step(r)
            log_with(lambda key, values, step: run.log_histogram(values, key=key, step=step))
        run.flush()

    def with_watch(r: int) -> None:
        watch = histlog.watch(model, every=1, optimizer=optimizer, run=watched_run)
        for _ in range(steps):
            train_step(r)
        watched_run.flush()
        watch.remove()

    def with_tensorboard(r: int) -> None:
        for _ in range(steps):
            train_step(r)
            log_with(lambda key, values, step: tensorboard.add_histogram(key, values, step))
        tensorboard.flush()

    def with_drop_in(r: int) -> None:
        for _ in range(steps):
            train_step(r)
            log_with(lambda key, values, step: drop_in.add_histogram(key, values, step))
        drop_in.flush()

    times = race(
        [
            ("no logging", plain),
            ("histlog log_histogram", with_histlog),
            ("histlog.watch(every=1)", with_watch),
            ("histlog.SummaryWriter", with_drop_in),
            ("TensorBoard add_histogram", with_tensorboard),
        ],
        rounds,
        warmup=2,
        per_batch=steps,
    )
    baseline = times.pop("no logging")
    table.add(f"{parameters / 1e6:.2f}M-param MLP step", {"step without logging": baseline}, "step without logging")
    table.add("  time logging adds to a step", times, "histlog log_histogram", baseline=baseline)
    step = statistics.median(baseline)
    added = {label: statistics.median(values) - step for label, values in times.items()}
    watch_cost, tensorboard_cost = added["histlog.watch(every=1)"], added["TensorBoard add_histogram"]
    table.notes.append(
        f"torch threads {table.threads}: watch(every=1) adds {watch_cost * 1e3:.1f} ms to a {step * 1e3:.1f} ms step "
        f"({watch_cost / step:.0%} of the step); TensorBoard adds {tensorboard_cost * 1e3:.1f} ms "
        f"({tensorboard_cost / step:.0%}): {tensorboard_cost / watch_cost:.1f}x lower")
    run.close()
    watched_run.close()
    tensorboard.close()
    drop_in.close()


def check_records(path: str, key: str, arrays: Sequence[np.ndarray], count: int) -> None:
    """A fast wrong answer is a bug: the logged counts and quantiles equal numpy's."""
    reader = histlog.open_run(path)
    for step in (0, count - 1):
        data = reader.get(key, step)
        values = arrays[step % len(arrays)].astype(np.float64)
        assert np.array_equal(data.counts, np.histogram(values, bins=data.bin_edges)[0]), "counts differ from numpy"
        expected = np.quantile(values, list(data.quantiles))
        assert np.allclose(list(data.quantiles.values()), expected, rtol=1e-12), "quantiles differ from numpy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="measured rounds per scenario (default 15)")
    arguments = parser.parse_args()
    default_threads = torch.get_num_threads()
    print(
        f"histlog {histlog.__version__} ({histlog._ffi.LIBRARY_PATH}); torch {torch.__version__}; "
        f"numpy {np.__version__}; {os.cpu_count()} cores; {arguments.rounds} rounds, medians"
    )
    table = Table()
    with tempfile.TemporaryDirectory() as directory:
        for threads in sorted({default_threads, 1}, reverse=True):
            torch.set_num_threads(threads)
            table.threads = str(threads)
            large_arrays(os.path.join(directory, f"t{threads}"), arguments.rounds, table)
            bfloat16_tensors(os.path.join(directory, f"t{threads}"), arguments.rounds, table)
            small_tensors(os.path.join(directory, f"t{threads}"), arguments.rounds, table)
            training_loop(os.path.join(directory, f"t{threads}"), arguments.rounds, table)
    table.print("histlog vs torch.utils.tensorboard (vs histlog: contender median / histlog median)")


if __name__ == "__main__":
    main()
