"""start_run(mlflow=True) with a real MLflow file store, read back with MLflow's own client."""

from __future__ import annotations

import json
import os

import pytest

import histlog

mlflow = pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient  # noqa: E402


@pytest.fixture
def tracking(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps the file store behind this switch
    uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    monkeypatch.chdir(tmp_path)
    yield MlflowClient(tracking_uri=uri)
    while mlflow.active_run() is not None:
        mlflow.end_run()


def downloaded_histograms(client, run_id, destination):
    names = [info.path for info in client.list_artifacts(run_id, "histograms")]
    local = client.download_artifacts(run_id, "histograms", str(destination))
    return names, {name: json.loads(open(os.path.join(local, os.path.basename(name))).read()) for name in names}


def test_histograms_land_in_the_active_mlflow_runs_artifacts(tracking, tmp_path):
    with mlflow.start_run() as mlflow_run:
        with histlog.start_run(mlflow=True) as run:
            for step in range(3):
                histlog.log_histogram([1.0, 2.0, 3.0 + step], key="weights/layer1", step=step)
            histlog.log_histogram(bins=[0.0, 0.1, 0.2], counts=[10, 25], key="activations/relu1", step=100)
        # a local store: the histlog run IS the artifact directory
        assert run.path.startswith(str(tmp_path / "mlruns"))
        assert mlflow.active_run().info.run_id == mlflow_run.info.run_id  # histlog leaves the user's run alone
    names, files = downloaded_histograms(tracking, mlflow_run.info.run_id, tmp_path / "download")
    assert len(names) == 2 and all(name.startswith("histograms/") and name.endswith(".json") for name in names)
    records = {records[0]["name"]: records for records in files.values()}
    assert [r["step"] for r in records["weights/layer1"]] == [0, 1, 2]
    assert records["weights/layer1"][2]["max_value"] == 5.0
    relu = records["activations/relu1"][0]
    assert relu["bin_edges"] == [0.0, 0.1, 0.2] and relu["counts"] == [10, 25] and relu["step"] == 100


def test_without_an_active_mlflow_run_one_is_started_and_ended(tracking, tmp_path):
    with histlog.start_run(mlflow=True):
        histlog.log_histogram([1.0], key="k", step=0)
        run_id = mlflow.active_run().info.run_id
    assert mlflow.active_run() is None
    names, _ = downloaded_histograms(tracking, run_id, tmp_path / "download")
    assert len(names) == 1
    assert tracking.get_run(run_id).info.status == "FINISHED"


def test_uploads_when_the_histlog_run_lives_elsewhere(tracking, tmp_path):
    # an explicit path: the histlog run stays there and its JSON files are uploaded, as for a
    # remote artifact store, at flush() and at the end
    with mlflow.start_run() as mlflow_run:
        run = histlog.start_run(tmp_path / "elsewhere", mlflow=True)
        histlog.log_histogram([1.0, 2.0], key="a", step=0)
        histlog.flush()
        assert downloaded_histograms(tracking, mlflow_run.info.run_id, tmp_path / "d1")[0] != []
        histlog.log_histogram([1.0, 2.0], key="b", step=0)
        histlog.end_run()
    assert run.path == str(tmp_path / "elsewhere")
    names, files = downloaded_histograms(tracking, mlflow_run.info.run_id, tmp_path / "d2")
    assert sorted(records[0]["name"] for records in files.values()) == ["a", "b"]


def test_local_directory_of_artifact_uris():
    from histlog._mlflow import local_directory

    assert local_directory("file:///tmp/mlruns/0/abc/artifacts") == "/tmp/mlruns/0/abc/artifacts"
    assert local_directory("file:///tmp/with%20space") == "/tmp/with space"
    assert local_directory("/abs/path") == "/abs/path"
    assert local_directory("s3://bucket/path") is None
    assert local_directory("mlflow-artifacts:/0/abc/artifacts") is None
