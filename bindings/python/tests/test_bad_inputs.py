"""Bad input raises ValueError / TypeError naming the argument; earlier records survive."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import histlog

CASES = [
    # (arguments, exception, message fragment)
    (dict(values=[1.0], key=3, step=0), TypeError, "key must be a str"),
    (dict(values=[1.0], key="", step=0), ValueError, "key must be a non-empty"),
    (dict(values=[1.0], key="a\x00b", step=0), ValueError, "key must not contain NUL"),
    (dict(values=[1.0], key="\udcff", step=0), ValueError, "key is not valid Unicode"),
    (dict(values=[1.0], key="k", step=1.5), TypeError, "step must be an int"),
    (dict(values=[1.0], key="k", step="3"), TypeError, "step must be an int"),
    (dict(values=[1.0], key="k", step=True), TypeError, "step must be an int"),
    (dict(values=[1.0], key="k", step=2**63), ValueError, "step must fit"),
    (dict(values="abc", key="k", step=0), TypeError, "values must be numbers"),
    (dict(values=["a", "b"], key="k", step=0), TypeError, "values must be numbers"),
    (dict(values=[1, [2, 3]], key="k", step=0), TypeError, "values must be"),
    (dict(values=np.array([1 + 2j]), key="k", step=0), TypeError, "values must be real numbers"),
    (
        dict(values=np.array(["2020-01-01"], dtype="datetime64[D]"), key="k", step=0),
        TypeError,
        "values must be numbers",
    ),
    (dict(values=[object()], key="k", step=0), TypeError, "values must"),
    (dict(values=[1.0], key="k", step=0, num_bins=0), ValueError, "num_bins must be between 1 and 1000000"),
    (dict(values=[1.0], key="k", step=0, num_bins=2.5), TypeError, "num_bins must be an int"),
    (dict(values=[1.0], key="k", step=0, log_scale="yes"), ValueError, "log_scale must be"),
    (dict(values=[1.0], key="k", step=0, log_scale=1), TypeError, "log_scale must be"),
    (dict(values=[1.0], key="k", step=0, range=(1.0,)), TypeError, "range must be a"),
    (dict(values=[1.0], key="k", step=0, range=("a", "b")), TypeError, "range must be a"),
    (dict(values=[1.0], key="k", step=0, range=(2.0, 1.0)), ValueError, "range"),
    (dict(values=[1.0], key="k", step=0, range=(0.0, float("nan"))), ValueError, "range"),
    (dict(values=[1.0], key="k", step=0, timestamp="now"), TypeError, "timestamp must be"),
    (dict(values=[1.0], key="k", step=0, timestamp=-5.0), ValueError, "timestamp"),
    (dict(values=[1.0], key="k", step=0, bins=[0.0, 0.0, 1.0]), ValueError, "increasing"),
    (dict(values=[1.0], key="k", step=0, bins=[0.0, 1.0], num_bins=5), ValueError, "num_bins cannot apply"),
    (dict(key="k", step=0), ValueError, "needs values, or bins"),
    (dict(values=[1.0], bins=[0, 1], counts=[1], key="k", step=0), ValueError, "not both"),
    (dict(bins=[0.0, 1.0], key="k", step=0), ValueError, "needs counts"),
    (dict(counts=[1.0], key="k", step=0), ValueError, "counts needs bins"),
    (dict(bins=[0.0, 1.0, 2.0], counts=[1.0], key="k", step=0), ValueError, "one more element than counts"),
    (dict(bins=[0.0, 2.0, 1.0], counts=[1.0, 1.0], key="k", step=0), ValueError, "increasing"),
    (dict(bins=[0.0, 1.0, 2.0], counts=[1.0, -1.0], key="k", step=0), ValueError, "count"),
    (dict(bins=[0.0, np.inf], counts=[1.0], key="k", step=0), ValueError, "finite"),
    (dict(bins=[[0.0, 1.0]], counts=[1.0], key="k", step=0), ValueError, "bins must be one-dimensional"),
    (dict(bins="0 1", counts=[1.0], key="k", step=0), TypeError, "bins must be a sequence of numbers"),
    (dict(bins=[0.0, 1.0], counts=[1.0], key="k", step=0, log_scale=True), ValueError, "log_scale cannot apply"),
]


@pytest.mark.parametrize("arguments, exception, message", CASES, ids=[c[2] for c in CASES])
def test_bad_input_raises_and_loses_nothing(tmp_path, arguments, exception, message):
    with histlog.start_run(tmp_path / "run") as run:
        histlog.log_histogram([1.0, 2.0], key="before", step=0)
        with pytest.raises(exception, match=message):
            histlog.log_histogram(**arguments)
        histlog.log_histogram([3.0], key="after", step=1)
    reader = histlog.open_run(run.path)
    assert reader.keys() == ["after", "before"]
    assert reader.get("before", 0).total_count == 2


def test_library_errors_are_histlog_errors_with_the_library_message(tmp_path):
    with histlog.start_run(tmp_path / "run"):
        with pytest.raises(histlog.InvalidArgumentError) as caught:
            histlog.log_histogram([1.0], key="k", step=0, range=(3.0, 1.0))
    assert isinstance(caught.value, ValueError) and caught.value.code == -1
    assert "range" in str(caught.value)


def test_compute_bad_inputs():
    with pytest.raises(TypeError, match="values must be numbers"):
        histlog.compute(None)
    with pytest.raises(ValueError, match="num_bins must be between 1 and 1000000, got -3"):
        histlog.compute([1.0], num_bins=-3)
    # Past the library's limit: an error naming num_bins (not the edges' `bins`), without first
    # reserving room for 2^31 bins (a MemoryError, or 32 GB of address space where the system
    # overcommits).
    for function in (histlog.compute, histlog.histogram):
        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match="num_bins must be between 1 and 1000000, got 2147483647"):
                function([1.0], num_bins=2**31 - 1)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 64 << 20


def test_run_directory_that_is_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError) as caught:
        histlog.start_run(blocker)
    assert str(blocker) in str(caught.value)
    assert histlog.active_run() is None


def test_wrong_argument_types_for_runs(tmp_path):
    with pytest.raises(TypeError, match="path must be"):
        histlog.start_run(42)
    with pytest.raises(ValueError, match="not both"):
        histlog.start_run(tmp_path, name="x")
    with pytest.raises(ValueError, match="name must be"):
        histlog.start_run(name="a/b")
    with pytest.raises(TypeError, match="path must be"):
        histlog.open_run(None)
