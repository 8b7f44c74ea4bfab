"""Histograms into the active MLflow run's artifacts, as ``histograms/<key>.json`` (seed format)."""

from __future__ import annotations

import os
from typing import Any, Optional
from urllib.parse import unquote, urlparse


def local_directory(artifact_uri: str) -> Optional[str]:
    """The local directory of a ``file:`` (or scheme-less) artifact URI; None for remote stores."""
    parsed = urlparse(artifact_uri)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        return unquote(parsed.path)
    if parsed.scheme == "" and os.path.isabs(artifact_uri):
        return artifact_uri
    return None


class MlflowLink:
    """The MLflow run a histlog run reports to.

    ``uploads`` is True when the histlog run lives elsewhere than the artifact directory, so its
    ``histograms/`` must be copied with ``log_artifacts`` at each flush and at the end.
    """

    def __init__(self, mlflow: Any, run_id: str, artifact_uri: str, started: bool) -> None:
        self._mlflow = mlflow
        self.run_id = run_id
        self.started = started
        self.local_artifact_directory = local_directory(artifact_uri)
        self.uploads = True

    @classmethod
    def attach(cls) -> "MlflowLink":
        """Links to the active MLflow run, starting one if none is active (as ``mlflow.log_metric`` does)."""
        try:
            import mlflow
        except ImportError:
            raise ImportError("start_run(mlflow=True) needs MLflow: pip install mlflow-skinny (or mlflow)") from None
        active = mlflow.active_run()
        started = active is None
        run = mlflow.start_run() if active is None else active
        return cls(mlflow, run.info.run_id, run.info.artifact_uri, started)

    def upload(self, run_directory: str) -> None:
        histograms = os.path.join(run_directory, "histograms")
        if self.uploads and os.path.isdir(histograms) and os.listdir(histograms):
            from mlflow.tracking import MlflowClient

            MlflowClient().log_artifacts(self.run_id, histograms, artifact_path="histograms")

    def end(self) -> None:
        """Ends the MLflow run if histlog started it (and it is still the active one)."""
        if self.started:
            active = self._mlflow.active_run()
            if active is not None and active.info.run_id == self.run_id:
                self._mlflow.end_run()
            self.started = False
