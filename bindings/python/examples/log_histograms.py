"""Raw values, a pre-computed histogram, a run, and reading it back."""

import numpy as np

import histlog

with histlog.start_run(name="quickstart") as run:
    for step in range(3):
        weights = np.random.default_rng(step).normal(0, 1 + step, 10_000).astype(np.float32)
        histlog.log_histogram(weights, key="weights/layer1", step=step)  # 30 bins over [min, max]
    histlog.log_histogram(weights, key="weights/log", step=0, num_bins=50, log_scale="auto")
    # a histogram computed elsewhere: n + 1 edges, n counts (statistics estimated from the bins)
    histlog.log_histogram(bins=[0.0, 0.1, 0.2, 0.3], counts=[10, 25, 5], key="activations/relu1", step=100)

reader = histlog.open_run(run.path)
print(reader.keys())  # ['activations/relu1', 'weights/layer1', 'weights/log']
latest = reader.get("weights/layer1", step=2)
print(latest.mean, latest.std, latest.quantiles[0.9], latest.nan_count)
counts, edges = latest.to_numpy()
print(reader.get("activations/relu1", 100).estimated)  # True
history = reader.history_arrays("weights/layer1")  # the whole key in one call, as numpy arrays
print(history.steps, history.std)  # [0 1 2], each step's std; counts: a matrix when the edges are shared

stats = histlog.compute(weights)  # the same statistics, nothing logged
print(stats.median, stats.skewness, stats.kurtosis)
alone = histlog.histogram(weights, num_bins=30)  # the histogram alone: edges, counts, min, max, totals
print(alone.counts.sum(), alone.max_value)
