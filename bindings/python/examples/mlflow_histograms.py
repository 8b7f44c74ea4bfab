"""Histograms into the active MLflow run's artifacts as histograms/{name}.json."""

import os

import mlflow
import numpy as np

import histlog

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow 3 keeps its local file store behind this switch
mlflow.set_tracking_uri("file:./mlruns")
with mlflow.start_run() as mlflow_run:
    with histlog.start_run(mlflow=True):
        for step in range(3):
            histlog.log_histogram(np.random.default_rng(step).normal(size=1000), key="weights/layer1", step=step)

artifacts = mlflow.MlflowClient().list_artifacts(mlflow_run.info.run_id, "histograms")
print([artifact.path for artifact in artifacts])
