"""Train a small network on scikit-learn's handwritten digits and watch its distributions.

Run it with `make demo` (which sets everything up), or inside the virtual environment:

    python bindings/python/examples/demo.py [--epochs 8] [--every 10] [--runs DIR]

The digits (1,797 8x8 images) ship inside scikit-learn: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
from collections import OrderedDict
import sys
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import histlog


def make_model() -> torch.nn.Module:
    return torch.nn.Sequential(OrderedDict(
        hidden1=torch.nn.Linear(64, 128),
        relu1=torch.nn.ReLU(),
        hidden2=torch.nn.Linear(128, 64),
        relu2=torch.nn.ReLU(),
        output=torch.nn.Linear(64, 10),
    ))


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--every", type=int, default=10, help="log histograms every N training steps")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--runs", default=os.environ.get("HISTLOG_DIR", "histlog-runs"),
                        help="parent directory of the run (default: $HISTLOG_DIR or ./histlog-runs)")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    digits = load_digits()
    features = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        features, digits.target, test_size=0.2, random_state=0, stratify=digits.target)
    x_train, x_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)

    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    run_name = time.strftime("digits-%Y%m%d-%H%M%S")
    run_path = os.path.join(args.runs, run_name)
    suffix = 1
    while os.path.exists(run_path):  # a second demo in the same second gets its own run
        suffix += 1
        run_path = os.path.join(args.runs, f"{run_name}-{suffix}")

    steps_per_epoch = (len(x_train) + args.batch_size - 1) // args.batch_size
    print(f"histlog {histlog.__version__}: training a 64-128-64-10 MLP on {len(x_train)} digits "
          f"for {args.epochs} epochs ({steps_per_epoch} steps each), logging every {args.every} steps")

    started = time.perf_counter()
    with histlog.start_run(path=run_path) as run:
        histlog.watch(model, every=args.every, log="all", optimizer=optimizer)
        histlog.watch_activations(model, every=args.every, optimizer=optimizer)
        for epoch in range(args.epochs):
            model.train()
            order = torch.randperm(len(x_train))
            total_loss = 0.0
            for start in range(0, len(x_train), args.batch_size):
                batch = order[start:start + args.batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(x_train[batch]), y_train[batch])
                loss.backward()
                optimizer.step()
                total_loss += loss.item() * len(batch)
            model.eval()
            print(f"  epoch {epoch + 1}/{args.epochs}  loss {total_loss / len(x_train):.4f}  "
                  f"test accuracy {accuracy(model, x_test, y_test):.3f}", flush=True)
        histlog.unwatch(model)
        run.flush()
    elapsed = time.perf_counter() - started

    reader = histlog.open_run(run_path)
    keys = reader.keys()
    records = sum(len(reader.steps(key)) for key in keys)
    print(f"\nTrained in {elapsed:.1f} s. Run directory: {os.path.abspath(run_path)}")
    print(f"Logged {records} histograms under {len(keys)} keys:")
    for group in ("Parameters/", "Gradients/", "Activations/"):
        names = [key for key in keys if key.startswith(group)]
        if names:
            print(f"  {group:<13} {len(names)} keys, e.g. {names[0]}")
    last = reader.get(keys[0], reader.steps(keys[0])[-1])
    print(f"Latest {last.name} (step {last.step}): mean {last.mean:+.4f}, std {last.std:.4f}, "
          f"median {last.median:+.4f}, {last.total_count} values")
    report = histlog.report(run_path)
    findings = histlog.doctor(run_path)
    print(f"Doctor: {len(findings)} finding(s)" if findings else "Doctor: no training problems found.")
    for finding in findings:
        print(f"  - {finding}")
    print("\nLook at it:")
    print(f"  open {report}    # histlog's report: ridgelines, percentile bands, findings")
    print(f"  .venv/bin/histlog summary {run_path}")
    print(f"  .venv/bin/histlog doctor {run_path}")
    print(f"  .venv/bin/tensorboard --logdir {run_path}    # HISTOGRAMS and DISTRIBUTIONS tabs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
