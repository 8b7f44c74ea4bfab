"""Reads a run's histograms with TensorBoard's own readers and prints them as JSON.

Usage: python read_tensorboard.py <run directory or event file>

For every histogram tag: the legacy HistogramProto fields as EventAccumulator returns them,
and the k x 3 (left, right, count) buckets the histograms plugin renders (after TensorBoard's
migration of legacy values, tensorboard/data_compat.py).
"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator
from tensorboard.util import tensor_util


def main(path):
    legacy = event_accumulator.EventAccumulator(
        path, size_guidance={event_accumulator.HISTOGRAMS: 0, event_accumulator.TENSORS: 0})
    legacy.Reload()
    plugin = plugin_event_accumulator.EventAccumulator(
        path, size_guidance={"tensors": 0}, tensor_size_guidance={"histograms": 0})
    plugin.Reload()
    result = {}
    for tag in legacy.Tags()["histograms"]:
        rendered = plugin.Tensors(tag)
        events = []
        for index, event in enumerate(legacy.Histograms(tag)):
            value = event.histogram_value
            events.append({
                "step": event.step,
                "wall_time": event.wall_time,
                "min": value.min,
                "max": value.max,
                "num": value.num,
                "sum": value.sum,
                "sum_squares": value.sum_squares,
                "bucket_limit": list(value.bucket_limit),
                "bucket": list(value.bucket),
                "rendered": tensor_util.make_ndarray(rendered[index].tensor_proto).astype(float).tolist(),
                "rendered_step": rendered[index].step,
            })
        result[tag] = {
            "events": events,
            "plugin": plugin.PluginTagToContent("histograms").get(tag) is not None,
        }
    json.dump(result, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main(sys.argv[1])
