"""Writes the fuzzers' seed corpus (Tests/fuzz/corpus/json and .../events): a few dozen small
files that histlog, TensorBoard's writer and hand edits produce, valid and damaged. `make test`
replays them (FuzzRegressionTests); `make fuzz` starts from them.

    .venv/bin/python Tests/fuzz/make_corpus.py      # with histlog and tensorboard installed
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile

import numpy as np

import histlog

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"


def write(kind: str, name: str, data: bytes) -> None:
    path = ROOT / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def histlog_run() -> pathlib.Path:
    """A small run written by histlog: raw values, a pre-computed histogram, an all-NaN tensor."""
    run = pathlib.Path(tempfile.mkdtemp(prefix="histlog-corpus-")) / "run"
    rng = np.random.default_rng(0)
    with histlog.start_run(run) as active:
        for step in range(3):
            active.log_histogram(rng.normal(0, 1 + step, 40).astype(np.float32), key="w", step=step, num_bins=4)
        active.log_histogram(bins=[0.0, 0.5, 2.0], counts=[3, 1], key="pre/computed", step=5)
        active.log_histogram(np.array([np.nan, np.inf]), key="nan", step=0, num_bins=2)
        active.log_histogram(rng.normal(0, 1, 40), key="log", step=1, num_bins=6, log_scale=True)
    return run


def json_seeds(run: pathlib.Path) -> None:
    files = {path.name: path.read_bytes() for path in (run / "histograms").glob("*.json")}
    for name, data in files.items():
        write("json", f"histlog-{name}", data)
    lines = files["w.json"].split(b"\n")
    whole = files["w.json"]
    write("json", "torn-after-line.json", b"\n".join(lines[:3]) + b"\n")
    write("json", "torn-in-line.json", whole[: len(whole) - 40])
    write("json", "torn-comma.json", b"\n".join(lines[:3]) + b"\n,\n")
    write("json", "torn-first.json", b"[\n" + lines[1][:30])
    write("json", "bracket.json", b"[")
    write("json", "empty.json", b"")
    write("json", "empty-array.json", b"[\n]\n")
    records = json.loads(whole)
    write("json", "pretty.json", json.dumps(records, indent=2).encode())
    write("json", "one-line.json", json.dumps(records).encode())
    seed = [{"name": "weights/layer1", "step": 0, "timestamp": 1234567890, "bin_edges": [0.0, 0.1, 0.2],
             "counts": [10, 25], "min_value": -0.5, "max_value": 0.5}]
    write("json", "seed-000.json", json.dumps(seed, indent=2).encode())
    first = lines[1]

    def edited(name: str, old: bytes, new: bytes) -> None:
        assert old in first, old
        write("json", name, b"[\n" + first.replace(old, new, 1) + b"\n]\n")

    edited("negative-count.json", b'"counts":[', b'"counts":[-1,')
    edited("nan-token.json", b'"mean":', b'"mean":NaN,"x":')
    edited("long-number.json", b'"timestamp":', b'"timestamp":' + b"9" * 500 + b',"t":')
    edited("escaped-name.json", b'"name":"w"', b'"name":"\\u0077\\ud83d\\ude00"')
    edited("invalid-utf8.json", b'"name":"w"', b'"name":"w\xc3\x28"')
    edited("count-mismatch.json", b'"counts":[', b'"counts":[7,')
    edited("nested.json", b'"mean":', b'"deep":' + b"[" * 300 + b"]" * 300 + b',"mean":')
    edited("repeated-member.json", b'"step":0', b'"step":0,"step":9')
    edited("edges-decrease.json", b'"bin_edges":[', b'"bin_edges":[1e308,')
    write("json", "mixed-keys.json", b"[\n" + first + b"\n," + first.replace(b'"name":"w"', b'"name":"v"') + b"\n]\n")
    write("json", "not-an-array.json", b'{"name":"w"}\n')
    write("json", "text.json", b"hello\nworld\n")


def event_seeds(run: pathlib.Path) -> None:
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.histogram_pb2 import HistogramProto
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.plugins.histogram import summary as histogram_summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    histlog_events = next(run.glob("events.out.tfevents.*")).read_bytes()
    write("events", "histlog.tfevents", histlog_events)
    directory = tempfile.mkdtemp(prefix="histlog-corpus-events-")
    writer = EventFileWriter(directory)
    raw = HistogramProto(min=0.0, max=3.0, num=6, sum=9.0, sum_squares=17.0, bucket_limit=[1.0, 2.0, 3.0], bucket=[1, 2, 3])
    writer.add_event(Event(wall_time=200.0, step=7, summary=Summary(value=[Summary.Value(tag="legacy/raw", histo=raw)])))
    edge = HistogramProto(min=1.0, max=1.0, num=2, bucket_limit=[1.0, 1.7976931348623157e308], bucket=[0, 2])
    writer.add_event(Event(wall_time=201.0, step=8, summary=Summary(value=[Summary.Value(tag="legacy/edge", histo=edge)])))
    for step in range(2):
        tensor = histogram_summary.histogram_pb("plugin/tensor", np.array([0.5, 1.5, 1.5, 2.5]), 3)
        writer.add_event(Event(wall_time=300.0 + step, step=10 + step, summary=tensor))
    writer.close()
    tensorboard_events = next(pathlib.Path(directory).glob("events.out.tfevents.*")).read_bytes()
    shutil.rmtree(directory)
    write("events", "tensorboard.tfevents", tensorboard_events)
    write("events", "truncated.tfevents", histlog_events[: len(histlog_events) * 2 // 3])
    flipped = bytearray(histlog_events)
    flipped[len(flipped) // 2] ^= 0x20
    write("events", "flipped.tfevents", bytes(flipped))
    huge = (1 << 60).to_bytes(8, "little")
    write("events", "huge-length.tfevents", tensorboard_events[:60] + huge + b"\0" * 12)
    write("events", "empty.tfevents", b"")
    write("events", "text.tfevents", b"not an event file\n")


def main() -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    run = histlog_run()
    json_seeds(run)
    event_seeds(run)
    shutil.rmtree(run.parent)
    count = sum(1 for _ in ROOT.rglob("*") if _.is_file())
    print(f"wrote {count} files under {ROOT}")


if __name__ == "__main__":
    os.environ.setdefault("HISTLOG_DIR", tempfile.gettempdir())
    main()
