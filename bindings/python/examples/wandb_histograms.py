"""Histograms into the active W&B run as wandb.Histogram, under the same key and step."""

import os

import numpy as np
import wandb

import histlog

os.environ["WANDB_MODE"] = "offline"  # no account needed; `wandb sync` uploads the run later
with wandb.init(project="histlog-demo") as wandb_run:
    with histlog.start_run("runs/wandb-demo", wandb=True):
        for step in range(3):
            histlog.log_histogram(np.random.default_rng(step).normal(size=1000), key="weights/layer1", step=step)
            wandb_run.log({"loss": 1.0 / (step + 1)}, step=step)  # your metrics share the steps

print(wandb_run.id, histlog.open_run("runs/wandb-demo").steps("weights/layer1"))
