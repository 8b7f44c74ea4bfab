"""histlog: histograms and exact distribution statistics of training tensors, logged into run
directories that TensorBoard and MLflow open. A thin layer over ``libhistlog.so``.

    import histlog
    histlog.log_histogram(weights, key="weights/layer1", step=0)          # raw values
    histlog.log_histogram(bins=[0, .1, .2], counts=[10, 25], key="a", step=1)  # pre-computed
    reader = histlog.open_run(histlog.active_run().path)
"""

from typing import Any

from ._ffi import (
    VERSION as library_version,
    ClosedError,
    HistlogError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfMemoryError,
    StorageError,
)
from ._data import HistogramData
from ._compute import compute, histogram, set_max_threads
from ._run import Run, active_run, end_run, flush, log_histogram, start_run
from ._reader import RunReader, open_run
from ._torch import Watch, unwatch, watch, watch_activations
from ._report import Finding, doctor, report, summary

__version__ = library_version


def __getattr__(name: str) -> Any:
    # torch.utils.tensorboard (and so tensorboard) loads on first use of histlog.SummaryWriter,
    # which is why it is not in __all__: `from histlog import *` must work without torch
    if name == "SummaryWriter":
        try:
            from ._summary_writer import SummaryWriter
        except ImportError as error:
            raise ImportError(
                f"histlog.SummaryWriter extends torch.utils.tensorboard.SummaryWriter: pip install torch tensorboard ({error})"
            ) from error

        globals()["SummaryWriter"] = SummaryWriter
        return SummaryWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ClosedError",
    "Finding",
    "HistlogError",
    "HistogramData",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfMemoryError",
    "Run",
    "RunReader",
    "StorageError",
    "Watch",
    "active_run",
    "compute",
    "doctor",
    "end_run",
    "flush",
    "histogram",
    "library_version",
    "log_histogram",
    "open_run",
    "report",
    "set_max_threads",
    "start_run",
    "summary",
    "unwatch",
    "watch",
    "watch_activations",
]
