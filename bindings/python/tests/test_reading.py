"""Reading runs back: a key's whole history as numpy arrays, and damaged or hostile runs through
open_run and the command line (errors naming the file, non-zero exit statuses, never a crash)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import histlog

STATISTICS = ("min_value", "max_value", "total_count", "mean", "std", "median", "skewness", "kurtosis",
              "outlier_count", "nan_count", "inf_count", "underflow_count", "overflow_count", "sum", "sum_squares")


def test_history_arrays_match_numpy_and_the_records(tmp_path):
    rng = np.random.default_rng(7)
    data = [rng.normal(step, 1 + step, 500).astype(np.float32) for step in range(6)]
    with histlog.start_run(tmp_path / "run") as run:
        for step, values in enumerate(data):
            run.log_histogram(values, key="fixed", step=step, range=(-20, 30), num_bins=12)
            run.log_histogram(values, key="free", step=step, num_bins=5 + step % 2)
        run.log_histogram(bins=[0.0, 1.0, 3.0], counts=[2, 5], key="free", step=6)
    reader = histlog.open_run(run.path)

    fixed = reader.history_arrays("fixed")
    assert fixed.shared_edges and fixed.counts.shape == (6, 12) and len(fixed) == 6
    assert fixed.steps.dtype == np.int64 and fixed.steps.tolist() == list(range(6))
    for step, values in enumerate(data):
        counts, edges = np.histogram(values.astype(np.float64), bins=fixed.bin_edges)
        assert fixed.counts[step].tolist() == counts.tolist()
        finite = values.astype(np.float64)
        assert fixed.total_count[step] == finite.size
        assert fixed.mean[step] == pytest.approx(finite.mean(), rel=1e-12)
        assert fixed.std[step] == pytest.approx(finite.std(ddof=1), rel=1e-12)
        assert fixed.quantiles[step].tolist() == pytest.approx(np.quantile(finite, [0.1, 0.25, 0.5, 0.75, 0.9]).tolist(), rel=1e-12)
        assert fixed.min_value[step] == finite.min() and fixed.max_value[step] == finite.max()
    assert not fixed.estimated.any() and (fixed.zero_count == 0).all()

    free = reader.history_arrays("free")
    assert not free.shared_edges and isinstance(free.counts, list) and len(free.counts) == 7
    assert [len(c) for c in free.counts] == [5, 6, 5, 6, 5, 6, 2]
    assert free.estimated.tolist() == [False] * 6 + [True] and math.isnan(free.zero_count[6])
    # Field for field what history() gives, record by record.
    for index, data_record in enumerate(reader.history("free")):
        assert free.steps[index] == data_record.step and free.timestamps[index] == data_record.timestamp
        assert free.bin_edges[index].tolist() == data_record.bin_edges.tolist()
        assert free.counts[index].tolist() == data_record.counts.tolist()
        for name in STATISTICS:
            assert np.array_equal(getattr(free, name)[index], getattr(data_record, name), equal_nan=True), name
        assert free.quantiles[index].tolist() == pytest.approx(list(data_record.quantiles.values()), nan_ok=True)
        assert data_record.zero_count is None if index == 6 else free.zero_count[index] == data_record.zero_count
    with pytest.raises(KeyError, match="missing"):
        reader.history_arrays("missing")


def write_run(path, files):
    """A run directory whose histograms/ holds `files` (name bytes -> contents)."""
    directory = os.path.join(os.fsencode(str(path)), b"histograms")
    os.makedirs(directory)
    for name, data in files.items():
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(data)
    return path


def record_line(key, step, counts=(3.0, 1.0)):
    edges = list(range(len(counts) + 1))
    return json.dumps({"name": key, "step": step, "timestamp": 1.0, "bin_edges": edges, "counts": list(counts)})


def histlog_file(*lines):
    return ("[\n" + "\n,".join(lines) + "\n]\n").encode()


def cli(*arguments):
    return subprocess.run([sys.executable, "-m", "histlog", *map(str, arguments)], capture_output=True, text=True)


def test_a_file_name_that_is_not_utf8_is_read(tmp_path):
    run = write_run(tmp_path / "run", {b"\xff\xfe.json": histlog_file(record_line("odd", 0), record_line("odd", 1))})
    reader = histlog.open_run(run)
    assert reader.keys() == ["odd"] and reader.steps("odd") == [0, 1]
    result = cli("summary", run)
    assert result.returncode == 0 and "odd" in result.stdout


@pytest.mark.parametrize("contents", [b"hello\nworld\n", bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)), b""],
                         ids=["text", "random", "empty"])
def test_a_file_that_is_neither_a_run_nor_an_event_file_raises(tmp_path, contents):
    path = tmp_path / "not-a-run"
    path.write_bytes(contents)
    with pytest.raises(OSError, match="neither a run directory nor a TensorBoard event file"):
        histlog.open_run(path)
    for command in ("summary", "doctor", "report"):
        result = cli(command, path)
        assert result.returncode == 1 and "neither a run directory" in result.stderr, command


@pytest.mark.parametrize("line, message", [
    (record_line("k", 1, counts=(3.0, -2.0)), "counts[1] must be finite and >= 0, got -2"),
    ('{"name": "k", "step": 1, "bin_edges": [0, 1], "counts": [NaN]}', "unexpected character"),
    ('{"name": "k", "step": 1, "bin_edges": [0, 1, 2], "counts": [1]}', "one longer than counts"),
    ('{"name": "k", "step": 1, "bin_edges": [0, 1], "counts": [1], "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nesting deeper"),
    ('{"name": "k", "step": ' + "9" * 10_000 + ', "bin_edges": [0, 1], "counts": [1]}', '"step" must be an integer'),
], ids=["negative", "nan", "mismatch", "nested", "digits"])
def test_damaged_records_fail_every_reader_naming_the_file(tmp_path, line, message):
    run = write_run(tmp_path / "run", {b"k.json": histlog_file(record_line("k", 0), line)})
    reader = histlog.open_run(run)
    assert reader.keys() == ["k"]  # opening reads the first record's name only
    for read in (reader.history, reader.history_arrays, reader.steps, lambda key: reader.get(key, 0)):
        with pytest.raises(OSError, match="k.json line 3") as caught:
            read("k")
        assert message in str(caught.value)
    for command in ("summary", "doctor", "report"):
        result = cli(command, run)
        assert result.returncode == 1 and "k.json line 3" in result.stderr, (command, result.stderr)


def test_links_loops_and_a_histograms_file_are_errors(tmp_path):
    run = write_run(tmp_path / "run", {b"k.json": histlog_file(record_line("k", 0))})
    os.symlink("loop.json", run / "histograms" / "loop.json")
    with pytest.raises(OSError, match="loop.json: Too many levels of symbolic links"):
        histlog.open_run(run)
    assert cli("summary", run).returncode == 1
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "histograms").write_text("{}")
    with pytest.raises(OSError, match="histograms is a regular file, not a directory"):
        histlog.open_run(flat)


def test_open_failures_are_mapped_by_status(tmp_path):
    """``hl_reader_open`` returns a status: a path without a run is a FileNotFoundError (with
    errno ENOENT), a file that is not a run a StorageError that is not, a bad path a ValueError."""
    import errno

    for missing in (tmp_path / "does-not-exist", tmp_path):  # nothing there; a directory without a run
        with pytest.raises(FileNotFoundError) as caught:
            histlog.open_run(missing)
        assert isinstance(caught.value, histlog.StorageError) and caught.value.errno == errno.ENOENT
        assert str(missing) in str(caught.value)
    not_a_run = tmp_path / "notes.txt"
    not_a_run.write_text("not a run")
    with pytest.raises(histlog.StorageError, match="neither a run directory") as caught:
        histlog.open_run(not_a_run)
    assert not isinstance(caught.value, FileNotFoundError)
    with pytest.raises(ValueError):
        histlog.open_run("bad\0path")
