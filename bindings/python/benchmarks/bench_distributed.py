"""One histogram of a tensor sharded over 2 processes (gloo on loopback, CPU tensors): what
`log_histogram(..., reduce=True)` costs next to gathering the shards on rank 0
(`exact_quantiles=True`) and next to every rank logging its own shard (the wrong picture, the
floor), and how close its estimated quantiles come to the exact ones.

Contenders run interleaved, the order rotated every round, warm-up rounds first, medians and
minimums over the measured rounds (BENCHMARKING.md); each timed call is bracketed by barriers
and includes rank 0's flush. Bytes are counted at the all-reduce / gather calls.

Run it with `make bench-distributed`, or
`python bindings/python/benchmarks/bench_distributed.py [--values N] [--rounds R]` in the .venv.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import histlog

WORLD = 2


def shard_data(rank: int, values: int, variant: int, outlier: bool) -> torch.Tensor:
    x = np.random.default_rng([rank, variant]).normal(size=values).astype(np.float32)
    if outlier and rank == 0:
        x[0] = 1e4  # one value 10,000 standard deviations out
    return torch.from_numpy(x)


def counted_bytes(call):
    """Bytes this rank hands to all_reduce / gather / all_gather while `call` runs."""
    sent = [0]
    originals = {name: getattr(dist, name) for name in ("all_reduce", "gather", "all_gather")}

    def counting(name):
        def wrapper(*args, **kwargs):
            tensor = args[1] if name == "all_gather" else args[0]  # all_gather(tensor_list, tensor)
            sent[0] += tensor.numel() * tensor.element_size()
            return originals[name](*args, **kwargs)
        return wrapper

    for name in originals:
        setattr(dist, name, counting(name))
    try:
        call()
    finally:
        for name, original in originals.items():
            setattr(dist, name, original)
    return sent[0]


def worker(rank: int, port: int, values: int, rounds: int, warmup: int, out_dir: str, results) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), GLOO_SOCKET_IFNAME="lo")
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    run = histlog.start_run(os.path.join(out_dir, "reduced")) if rank == 0 else None
    own = histlog.Run(os.path.join(out_dir, f"rank{rank}"))  # each rank's own shard
    shards = [shard_data(rank, values, v, outlier=False) for v in range(3)]

    def reduce(step: int, x) -> None:
        histlog.log_histogram(x, key="reduce", step=step, reduce=True)

    def gather(step: int, x) -> None:
        histlog.log_histogram(x, key="gather", step=step, reduce=True, exact_quantiles=True)

    def local(step: int, x) -> None:
        own.log_histogram(x, key="local", step=step)
        own.flush()

    contenders = [("reduce=True", reduce), ("exact_quantiles=True (gather)", gather), ("each rank its own shard", local)]
    times = {label: [] for label, _ in contenders}
    for round_index in range(warmup + rounds):
        shift = round_index % len(contenders)
        x = shards[round_index % len(shards)]
        for label, call in contenders[shift:] + contenders[:shift]:
            dist.barrier()
            start = time.perf_counter()
            call(round_index, x)
            if run is not None:
                run.flush()
            dist.barrier()
            if round_index >= warmup:
                times[label].append(time.perf_counter() - start)

    sent = {label: counted_bytes(lambda: call(10_000, shards[0])) for label, call in contenders[:2]}

    # Accuracy: the same data reduced and gathered, with and without one far outlier.
    accuracy = {}
    for step, outlier in enumerate((False, True), start=20_000):
        x = shard_data(rank, values, 7, outlier)
        reduce(step, x)
        gather(step, x)
        if rank == 0:
            run.flush()
            reader = histlog.open_run(run.path)
            estimated, exact = reader.get("reduce", step), reader.get("gather", step)
            width = estimated.bin_edges[1] - estimated.bin_edges[0]
            error = max(abs(estimated.quantiles[p] - exact.quantiles[p]) for p in exact.quantiles)
            assert np.array_equal(estimated.counts, exact.counts) and estimated.total_count == exact.total_count
            accuracy["with one outlier" if outlier else "normal"] = (error, width)
    own.close()
    if rank == 0:
        histlog.end_run()
        results.put((times, sent, accuracy))
    dist.barrier()
    dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=1_000_000, help="values per rank")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    with tempfile.TemporaryDirectory() as out_dir:
        mp.start_processes(worker, args=(port, args.values, args.rounds, args.warmup, out_dir, results),
                           nprocs=WORLD, start_method="spawn")
        times, sent, accuracy = results.get()

    print(f"\n{WORLD} processes (gloo, loopback, 1 torch thread each), {args.values:,} float32 values per rank, "
          f"30 bins, {args.rounds} rounds: one histogram of all {WORLD * args.values:,} values")
    reference = statistics.median(times["reduce=True"])
    print(f"{'':34s}{'median':>10s}{'min':>10s}{'vs reduce':>11s}{'bytes sent per rank':>22s}")
    for label, samples in times.items():
        median = statistics.median(samples)
        bytes_sent = f"{sent[label]:,}" if label in sent else "-"
        print(f"{label:34s}{median * 1e3:8.1f} ms{min(samples) * 1e3:8.1f} ms{median / reference:10.2f}x{bytes_sent:>22s}")
    print("\nquantiles of the reduced record vs the exact ones (gathered), 5 probabilities:")
    for name, (error, width) in accuracy.items():
        print(f"  {name:18s} max |error| {error:.3g}   bin width {width:.4g}   = {error / width:.2g} of a bin")


if __name__ == "__main__":
    main()
