"""The step time of a torch.compile'd model with histlog.watch(every=100, optimizer=) next to the
same compiled model without it, in one process (BENCHMARKING.md): interleaved batches of steps,
order rotated every round, after warm-up steps that compile every variant (a logged step and
a step that does not log). Each contender has its own model copy, compiled with the default
backend (inductor), and the same inputs.

Reports the median time of a batch of steps (most batches log nothing) and the mean over all
batches (every 100th step logs every parameter and gradient), plus the graph breaks and graphs
compiled during the timed rounds. Run with `make bench-watch`.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, Tuple

import torch

import histlog

STEPS_PER_BATCH = 10
EVERY = 100


def make_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 10),
    )


def compile_counts() -> Tuple[int, int]:
    from torch._dynamo.utils import counters

    return sum(counters["graph_break"].values()), counters["stats"]["unique_graphs"]


def contender(base: torch.nn.Module, batches, run_path: str, watch: str) -> Tuple[Callable[[], None], Callable[[], None]]:
    model = copy.deepcopy(base)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    compiled = torch.compile(model)
    if watch != "none":
        run = histlog.Run(run_path)
        histlog.watch(compiled, every=EVERY, optimizer=optimizer, run=run)
        if watch == "activations":
            histlog.watch_activations(compiled, layers=torch.nn.ReLU, every=EVERY, optimizer=optimizer, run=run)
    step = [0]

    def one_step() -> None:
        x, y = batches[step[0] % len(batches)]
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(compiled(x), y).backward()
        optimizer.step()
        step[0] += 1

    def batch() -> None:
        for _ in range(STEPS_PER_BATCH):
            one_step()

    return one_step, batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    base = make_model()
    batches = [(torch.randn(64, 1024), torch.randint(0, 10, (64,))) for _ in range(4)]
    labels = {"none": "compiled, no watch", "parameters": "compiled + watch(every=100, optimizer=)",
              "activations": "  + watch_activations(every=100)"}
    with tempfile.TemporaryDirectory() as directory:
        contenders = {}
        for kind in labels:
            one_step, batch = contender(base, batches, os.path.join(directory, kind), kind)
            for _ in range(2):  # step 0 logs, step 1 does not: both variants compiled
                one_step()
            contenders[kind] = batch
        breaks, graphs = compile_counts()
        times: Dict[str, List[float]] = {kind: [] for kind in labels}
        order = list(labels)
        for round_index in range(arguments.rounds):
            shift = round_index % len(order)
            for kind in order[shift:] + order[:shift]:
                gc.collect()
                start = time.perf_counter()
                contenders[kind]()
                times[kind].append((time.perf_counter() - start) / STEPS_PER_BATCH)
        after = compile_counts()
        histlog.end_run()
        logged = histlog.open_run(os.path.join(directory, "parameters")).steps("Gradients/0.weight")
    steps = 2 + arguments.rounds * STEPS_PER_BATCH
    assert logged == list(range(0, steps, EVERY)), logged

    plain = statistics.median(times["none"])
    print(f"torch {torch.__version__}, 1 thread, {sum(p.numel() for p in base.parameters()) / 1e6:.2f}M-parameter MLP, "
          f"batch 64, inductor; {arguments.rounds} rounds of {STEPS_PER_BATCH} steps each")
    print(f"{'':42} {'median step':>12} {'mean step':>10} {'vs no watch':>12}")
    for kind, label in labels.items():
        median, mean = statistics.median(times[kind]), statistics.fmean(times[kind])
        print(f"{label:42} {median * 1e3:10.2f} ms {mean * 1e3:7.2f} ms {median / plain:11.3f}x")
    print(f"graph breaks / graphs compiled during the timed rounds: {after[0] - breaks} / {after[1] - graphs}")


if __name__ == "__main__":
    sys.exit(main())
