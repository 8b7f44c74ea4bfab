"""Runs: log_histogram (raw values, pre-computed bins), the active and default runs, flush,
end_run, context managers, the files on disk and reading them back."""

from __future__ import annotations

import json
import os
import threading
import time

import numpy as np
import pytest

import histlog
from conftest import assert_matches_numpy

RNG = np.random.default_rng(7)


def read_back(run_path):
    return histlog.open_run(run_path)


def test_raw_values_round_trip_through_the_run_directory(tmp_path):
    values = RNG.normal(size=5000).astype(np.float32)
    with histlog.start_run(tmp_path / "run") as run:
        histlog.log_histogram(values, key="weights/layer1", step=0)
        histlog.log_histogram(values * 2, key="weights/layer1", step=1)
    assert run.closed and histlog.active_run() is None
    reader = read_back(tmp_path / "run")
    assert reader.keys() == ["weights/layer1"]
    assert reader.steps("weights/layer1") == [0, 1]
    data = reader.get("weights/layer1", 1)
    assert data.name == "weights/layer1" and data.step == 1
    assert abs(data.timestamp - time.time()) < 600
    assert_matches_numpy(data, values * 2)
    assert [d.step for d in reader.history("weights/layer1")] == [0, 1]
    # the seed's JSON format next to a TensorBoard event file
    files = os.listdir(tmp_path / "run" / "histograms")
    assert len(files) == 1 and files[0].endswith(".json")
    records = json.loads((tmp_path / "run" / "histograms" / files[0]).read_text())
    assert [r["step"] for r in records] == [0, 1]
    for field in ("name", "step", "timestamp", "bin_edges", "counts", "min_value", "max_value"):
        assert field in records[0]
    assert records[1]["counts"] == data.counts.tolist()
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path / "run"))


def test_precomputed_histogram_is_marked_estimated(tmp_path):
    edges, counts = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [10, 25, 30, 20, 15]
    with histlog.start_run(tmp_path / "run"):
        histlog.log_histogram(bins=edges, counts=counts, key="activations/relu1", step=100)
    data = read_back(tmp_path / "run").get("activations/relu1", 100)
    np.testing.assert_array_equal(data.bin_edges, edges)
    np.testing.assert_array_equal(data.counts, counts)
    assert data.estimated and "quantiles" in data.estimated_statistics and "moments" in data.estimated_statistics
    assert data.zero_count is None
    assert data.total_count == 100
    midpoints = (np.array(edges[:-1]) + np.array(edges[1:])) / 2
    assert data.mean == pytest.approx(np.average(midpoints, weights=counts), rel=1e-9)
    assert data.min_value == 0.0 and data.max_value == 0.5
    assert 0.2 <= data.median <= 0.3


def test_values_with_explicit_edges_and_options(tmp_path):
    values = RNG.normal(size=1000)
    with histlog.start_run(tmp_path / "run") as run:
        run.log_histogram(values, key="edges", step=0, bins=[-1, 0, 1])
        run.log_histogram(values, key="ranged", step=0, num_bins=4, range=(-2, 2))
        run.log_histogram(values, key="bins7", step=0, num_bins=7)
        run.log_histogram(values, key="log", step=0, log_scale=True)
        run.log_histogram(values, key="stamped", step=0, timestamp=1_700_000_000.5)
    reader = read_back(tmp_path / "run")
    assert reader.get("edges", 0).bin_edges.tolist() == [-1, 0, 1]
    ranged = reader.get("ranged", 0)
    np.testing.assert_allclose(ranged.bin_edges, [-2, -1, 0, 1, 2], atol=1e-15)
    assert ranged.underflow_count == (values < -2).sum() and ranged.overflow_count == (values > 2).sum()
    assert reader.get("bins7", 0).counts.size == 7
    log = reader.get("log", 0)
    np.testing.assert_array_equal(log.counts, histlog.compute(values, log_scale=True).counts)
    assert reader.get("stamped", 0).timestamp == 1_700_000_000.5


def test_default_run_under_histlog_dir(runs_directory):
    assert histlog.active_run() is None
    histlog.log_histogram([1.0, 2.0, 3.0], key="x", step=0)
    run = histlog.active_run()
    assert os.path.dirname(run.path) == str(runs_directory)
    histlog.flush()
    assert read_back(run.path).steps("x") == [0]
    histlog.end_run()
    assert histlog.active_run() is None and run.closed


def test_start_run_by_name_and_reopening_appends(runs_directory):
    run = histlog.start_run(name="experiment")
    assert run.path == str(runs_directory / "experiment") and run.name == "experiment"
    histlog.log_histogram([1.0], key="k", step=0)
    histlog.end_run()
    with histlog.start_run(name="experiment"):
        histlog.log_histogram([2.0], key="k", step=1)
    assert read_back(runs_directory / "experiment").steps("k") == [0, 1]


def test_starting_a_run_ends_the_previous_one(tmp_path):
    first = histlog.start_run(tmp_path / "a")
    second = histlog.start_run(tmp_path / "b")
    assert first.closed and histlog.active_run() is second


def test_same_step_twice_keeps_both_and_get_returns_the_last(tmp_path):
    with histlog.start_run(tmp_path / "run"):
        histlog.log_histogram([1.0, 2.0], key="k", step=5)
        histlog.log_histogram([10.0, 20.0, 30.0], key="k", step=5)
    reader = read_back(tmp_path / "run")
    assert reader.steps("k") == [5, 5]
    assert reader.get("k", 5).total_count == 3


def test_keys_are_kept_exactly_even_when_sanitised(tmp_path):
    keys = ["a/b", "a_b", "a%2Fb", "A/b", "../escape", "/abs", "ünï/cødé", "x" * 300, "sp ace"]
    with histlog.start_run(tmp_path / "run"):
        for index, key in enumerate(keys):
            histlog.log_histogram([float(index)], key=key, step=index)
    reader = read_back(tmp_path / "run")
    assert reader.keys() == sorted(keys)
    for index, key in enumerate(keys):
        assert reader.get(key, index).min_value == index
    assert sorted(os.listdir(tmp_path)) == ["run"]  # nothing escaped the run directory
    assert len(os.listdir(tmp_path / "run" / "histograms")) == len(keys)


def test_closed_run_raises_and_close_twice_is_harmless(tmp_path):
    run = histlog.start_run(tmp_path / "run")
    run.close()
    run.close()
    with pytest.raises(RuntimeError, match="closed"):
        run.log_histogram([1.0], key="k", step=0)
    with pytest.raises(RuntimeError, match="closed"):
        run.flush()


def test_many_threads_log_into_one_run(tmp_path):
    threads, per_thread = 8, 50
    with histlog.start_run(tmp_path / "run") as run:

        def work(index):
            values = np.random.default_rng(index).normal(size=200).astype(np.float32)
            for step in range(per_thread):
                run.log_histogram(values, key=f"thread{index}", step=step)
                run.log_histogram(values, key="shared", step=step)

        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    reader = read_back(tmp_path / "run")
    assert len(reader.keys()) == threads + 1
    for index in range(threads):
        assert reader.steps(f"thread{index}") == list(range(per_thread))
    assert len(reader.steps("shared")) == threads * per_thread


def test_reduced_histogram_keeps_exact_moments(tmp_path):
    values = RNG.normal(size=1000)
    edges = np.histogram_bin_edges(values, bins=10)
    counts = np.histogram(values, bins=edges)[0]
    d = values - values.mean()
    with histlog.start_run(tmp_path / "run") as run:
        run.log_reduced(
            key="reduced",
            step=0,
            bins=edges,
            counts=counts,
            count=values.size,
            mean=values.mean(),
            m2=(d**2).sum(),
            m3=(d**3).sum(),
            m4=(d**4).sum(),
            min=values.min(),
            max=values.max(),
            zero_count=0,
        )
    data = read_back(tmp_path / "run").get("reduced", 0)
    assert data.std == pytest.approx(values.std(ddof=1), rel=1e-12)
    assert data.mean == pytest.approx(values.mean(), rel=1e-12)
    assert data.min_value == values.min() and data.zero_count == 0
    assert "moments" not in data.estimated_statistics and "quantiles" in data.estimated_statistics


@pytest.mark.parametrize(
    "change, message",
    [
        ({"mean": 5.0}, "moments.mean must lie between moments.min and moments.max"),
        ({"m2": 1e308}, "moments.m2 must be at most count"),
        ({"min": -5.0}, r"moments.min \(-5.0\) must be at least the first edge \(0.0\) with underflow 0"),
        ({"max": 0.75, "mean": 0.625, "m2": 0.03125, "m4": 0.00048828125},
         "moments.max must be at least 1.0, the lower edge of the highest bin holding values"),
    ],
)
def test_reduced_histogram_of_no_possible_values_is_refused(tmp_path, change, message):
    """Moments and bins that no values could have are refused by name, and nothing is logged."""
    given = dict(key="reduced", step=0, bins=[0.0, 1.0, 2.0], counts=[1, 1], count=2,
                 mean=1.0, m2=0.5, m3=0.0, m4=0.125, min=0.5, max=1.5, zero_count=0)
    with histlog.start_run(tmp_path / "run") as run:
        with pytest.raises(ValueError, match=message):
            run.log_reduced(**{**given, **change})
        run.log_reduced(**given)
    assert read_back(tmp_path / "run").steps("reduced") == [0]


def test_reader_errors(tmp_path):
    with histlog.start_run(tmp_path / "run"):
        histlog.log_histogram([1.0], key="k", step=0)
    reader = read_back(tmp_path / "run")
    with pytest.raises(KeyError, match="missing"):
        reader.steps("missing")
    with pytest.raises(KeyError):
        reader.get("k", 99)
    assert "k" in reader and "missing" not in reader and list(reader) == ["k"]
    with pytest.raises(FileNotFoundError):
        histlog.open_run(tmp_path / "does-not-exist")
    reader.close()
    with pytest.raises(RuntimeError, match="closed"):
        reader.keys()


def test_reader_reads_a_key_when_asked_and_keeps_it(tmp_path):
    """Keys are fixed when the run is opened; a key's records are those on disk when it is first
    read, and stay the same while the reader keeps the key (one of the last four read)."""
    others = [f"other{index}" for index in range(4)]
    with histlog.start_run(tmp_path / "run") as run:
        run.log_histogram([1.0], key="k", step=0)
        for other in others:
            run.log_histogram([1.0], key=other, step=0)
        run.flush()
        reader = read_back(run.path)
        run.log_histogram([1.0], key="k", step=1)
        run.log_histogram([1.0], key="new", step=0)
        run.flush()
        assert reader.steps("k") == [0, 1]
        run.log_histogram([1.0], key="k", step=2)
        run.flush()
        assert reader.steps("k") == [0, 1] and len(reader.history("k")) == 2
        assert reader.history_arrays("k").steps.tolist() == [0, 1] and reader.get("k", 1).step == 1
        assert reader.keys() == ["k", *others]
        assert all(reader.steps(other) == [0] for other in others)
        assert reader.steps("k") == [0, 1, 2]
        assert read_back(run.path).keys() == ["k", "new", *others]


def test_closing_while_other_threads_log_waits_for_them(tmp_path):
    """close() from one thread while others are inside log calls: no crash, every call either
    lands or raises ClosedError, and what landed is readable."""
    run = histlog.start_run(tmp_path / "run")
    values = np.random.default_rng(3).normal(size=50_000).astype(np.float32)
    logged = [0] * 4
    outcomes = []
    started = threading.Barrier(5)

    def work(index):
        started.wait()
        step = 0
        try:
            while True:
                run.log_histogram(values, key=f"t{index}", step=step)
                step += 1
                logged[index] = step
        except histlog.ClosedError as error:
            outcomes.append(error)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    started.wait()
    time.sleep(0.3)
    run.close()
    for worker in workers:
        worker.join()
    assert len(outcomes) == 4 and all("closed" in str(error) for error in outcomes)
    reader = read_back(tmp_path / "run")
    for index in range(4):
        assert reader.steps(f"t{index}") == list(range(logged[index]))
