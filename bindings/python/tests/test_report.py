"""histlog.report / summary / doctor from Python and the command line, and the HTML report in a
real browser (headless Chromium over the DevTools protocol: no console errors, every chart drawn)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import histlog
from histlog import _report as report_module

import browser

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / ".build" / "report-test"


def make_run(path, steps=12):
    """A run with a healthy weight, a dying activation, a gradient that turns NaN, and a key of
    no known role; logged through the public API."""
    rng = np.random.default_rng(0)
    with histlog.start_run(path) as run:
        for step in range(steps):
            run.log_histogram(rng.normal(0, 0.1 + 0.01 * step, 500), key="Parameters/encoder/fc1.weight", step=step)
            relu = np.maximum(0, rng.normal(-3 if step >= 4 else 0, 1, 800))
            run.log_histogram(relu, key="Activations/encoder/relu1", step=step)
            grad = rng.normal(0, 1e-3, 300)
            if step >= 9:
                grad[:5] = np.nan
            run.log_histogram(grad, key="Gradients/encoder/fc1.weight", step=step)
            run.log_histogram(rng.exponential(1, 100), key="loss_parts</script>", step=step * 10)
        run.log_histogram(bins=[0, 1, 2, 4], counts=[3, 5, 1], key="precomputed/hist", step=0)
    return path


@pytest.fixture
def run_dir(tmp_path):
    return make_run(tmp_path / "run")


def test_doctor_finds_the_planted_problems(run_dir):
    findings = histlog.doctor(run_dir)
    assert [(f.rule, f.key, f.step) for f in findings] == [
        ("non_finite", "Gradients/encoder/fc1.weight", 9),
        ("dead_units", "Activations/encoder/relu1", 4),
    ]
    nan = findings[0]
    assert nan.severity == "error"
    assert nan.evidence["nan_count"] == 5 and nan.evidence["steps_affected"] == 3
    assert "first at step 9" in str(nan)


def test_doctor_accepts_a_run_object_and_thresholds(tmp_path):
    with histlog.start_run(tmp_path / "r") as run:
        for step in range(4):
            run.log_histogram(np.maximum(0, np.random.default_rng(step).normal(0, 1, 400)), key="acts/relu", step=step)
        assert histlog.doctor(run) == []  # flushed first
        assert [f.rule for f in histlog.doctor(run, dead_zero_fraction=0.4, window=1)] == ["dead_units"]
    defaults = report_module.default_thresholds()
    assert defaults["dead_zero_fraction"] == 0.9 and defaults["window"] == 3
    with pytest.raises(ValueError, match="window must be >= 1"):
        histlog.doctor(tmp_path / "r", window=0)
    with pytest.raises(TypeError):
        histlog.doctor(tmp_path / "r", window="3")
    with pytest.raises(OSError):
        histlog.doctor(tmp_path / "missing")


def test_summary_is_a_table_within_the_width(run_dir):
    text = histlog.summary(run_dir)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["key", "steps", "mean"]
    assert all(len(line) <= 100 for line in lines)
    assert "Activations/encoder/" in lines
    relu = next(line for line in lines if line.startswith("  relu1"))
    zero_share = float(re.search(r"([\d.]+)%", relu).group(1))
    last = histlog.open_run(run_dir).get("Activations/encoder/relu1", 11)
    assert abs(zero_share - 100 * last.zero_count / last.total_count) < 0.5
    gradient = lines[lines.index("Gradients/encoder/") + 1]
    column_end = lines[0].index("nan/inf") + len("nan/inf")
    assert gradient[column_end - 8:column_end].strip() == "5"  # the latest gradient record has 5 NaN
    assert len(histlog.summary(run_dir, width=140).splitlines()[1]) <= 140
    with pytest.raises(ValueError):
        histlog.summary(run_dir, width=10)


def test_report_is_self_contained(run_dir, tmp_path):
    written = histlog.report(run_dir)
    assert written == os.path.join(str(run_dir), "report.html")
    html = pathlib.Path(written).read_text()
    assert "http" not in html and "<link" not in html and "src=" not in html  # nothing fetched
    data = re.search(r'<script type="application/json" id="histlog-data">(.*?)</script>', html, re.S).group(1)
    document = json.loads(data)
    assert [k["k"] for k in document["k"]] == histlog.open_run(run_dir).keys()
    assert [f["rule"] for f in document["findings"]] == ["non_finite", "dead_units"]
    other = histlog.report(run_dir, tmp_path / "elsewhere.html", dead_zero_fraction=1.0)
    assert other == str(tmp_path / "elsewhere.html")
    assert '"rule":"dead_units"' not in pathlib.Path(other).read_text()


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "histlog", *map(str, args)], capture_output=True, text=True, timeout=120)


def test_command_line(run_dir, tmp_path):
    doctor = run_cli("doctor", run_dir)
    assert doctor.returncode == 1, doctor.stderr
    assert "non_finite" in doctor.stdout and "Gradients/encoder/fc1.weight" in doctor.stdout
    as_json = run_cli("doctor", run_dir, "--json")
    assert [f["rule"] for f in json.loads(as_json.stdout)] == ["non_finite", "dead_units"]
    healthy = make_run(tmp_path / "second", steps=3)  # too early for NaN or dead units
    quiet = run_cli("doctor", healthy)
    assert quiet.returncode == 0 and "no problems found" in quiet.stdout
    silenced = run_cli("doctor", run_dir, "--dead-zero-fraction", "1")
    assert silenced.returncode == 1 and "dead_units" not in silenced.stdout

    summary = run_cli("summary", run_dir)
    assert summary.returncode == 0 and summary.stdout == histlog.summary(run_dir)
    output = tmp_path / "cli.html"
    made = run_cli("report", run_dir, "-o", output)
    assert made.returncode == 0 and output.exists()
    assert "2 finding(s)" in made.stdout
    assert run_cli("report", tmp_path / "missing").returncode == 1


@pytest.mark.skipif(browser.chromium_path() is None, reason="chromium is not installed (make test installs it)")
def test_report_in_a_real_browser(run_dir):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    html = histlog.report(run_dir)
    keys = len(histlog.open_run(run_dir).keys())

    first = browser.render(html, SCREENSHOTS / "report-top.png", width=1400, height=2000,
                           probe="document.querySelector('#findings h2').textContent")
    assert first["errors"] == [] and first["page_errors"] == 0
    assert first["probe"] == "Doctor: 2 findings (1 error, 1 warning)"
    assert first["keys"] == keys and first["cards"] == keys
    assert first["findings"] == 2
    assert 2 <= first["charts"] <= 2 * keys  # charts in view are drawn at once, the rest lazily

    everything = browser.render(html, SCREENSHOTS / "report-all.png", width=1400, height=2000, draw_all=True)
    assert everything["errors"] == [] and everything["page_errors"] == 0
    assert everything["charts"] == 2 * keys  # a ridgeline and a percentile-band chart per key
    assert (SCREENSHOTS / "report-all.png").stat().st_size > 10_000


FILTER_PROBE = """
new Promise(function (resolve) {
  const filter = document.getElementById("filter");
  filter.value = "relu";
  filter.dispatchEvent(new Event("input"));
  setTimeout(function () {
    const visible = Array.from(document.querySelectorAll(".card")).filter(c => !c.hidden).map(c => c.querySelector(".full").textContent.split(" ")[0]);
    const only = document.getElementById("only-findings");
    filter.value = "";
    only.checked = true;
    only.dispatchEvent(new Event("change"));
    const flagged = Array.from(document.querySelectorAll(".card")).filter(c => !c.hidden).length;
    resolve({ visible: visible, flagged: flagged, shown: document.getElementById("shown").textContent });
  }, 300);
})
"""


@pytest.mark.skipif(browser.chromium_path() is None, reason="chromium is not installed (make test installs it)")
def test_report_filter_in_a_real_browser(run_dir):
    result = browser.render(histlog.report(run_dir), width=1400, height=1000, probe=FILTER_PROBE)
    assert result["errors"] == []
    assert result["probe"]["visible"] == ["Activations/encoder/relu1"]
    assert result["probe"]["flagged"] == 2
    assert result["probe"]["shown"] == "2 of 5 keys"
