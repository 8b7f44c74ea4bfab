"""Torch tensors of any shape, dtype, device and autograd state reach the engine without the
user converting them."""

from __future__ import annotations

import numpy as np
import pytest

import histlog
from conftest import assert_matches_numpy

torch = pytest.importorskip("torch")


def reference(tensor):
    return tensor.detach().cpu().to(torch.float64).reshape(-1).numpy()


@pytest.mark.parametrize(
    "dtype",
    [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.uint8, torch.bool],
)
def test_dtypes(dtype):
    generator = torch.Generator().manual_seed(1)
    tensor = (torch.randn(1000, generator=generator) * 5).to(dtype)
    float32_edges = dtype in (torch.float32, torch.float16, torch.bfloat16)
    assert_matches_numpy(
        histlog.compute(tensor), reference(tensor), rel=1e-9, edges_dtype=np.float32 if float32_edges else None
    )


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 8_191, 8_197, 300_007])
def test_bfloat16_read_in_place_equals_its_float32_values(n, runs_directory):
    generator = torch.Generator().manual_seed(n)
    tensor = (torch.randn(n, generator=generator) * torch.randn(n, generator=generator).exp() * 1e-3).to(torch.bfloat16)
    if n > 100:
        tensor[[3, n // 2, n - 1]] = torch.tensor([float("nan"), float("inf"), 0.0], dtype=torch.bfloat16)
    widened = tensor.to(torch.float32)  # exact: every bfloat16 is a float32
    for options in ({}, {"num_bins": 12, "log_scale": "auto"}, {"range": (-1e-3, 2e-3)}):
        assert histlog.compute(tensor, **options).to_dict() == histlog.compute(widened, **options).to_dict()
        alone, alone_widened = histlog.histogram(tensor, **options), histlog.histogram(widened, **options)
        assert np.array_equal(alone.counts, alone_widened.counts) and alone.to_dict() == alone_widened.to_dict()
    strided = tensor[::2]  # not contiguous: one bfloat16 copy, still read as bfloat16
    assert histlog.compute(strided).to_dict() == histlog.compute(strided.to(torch.float32)).to_dict()
    histlog.log_histogram(tensor, key="bf16", step=0)
    histlog.log_histogram(widened, key="f32", step=0, timestamp=1.5e9)
    histlog.log_histogram(tensor, key="bf16 at", step=0, timestamp=1.5e9)
    histlog.flush()
    run = histlog.open_run(histlog.active_run().path)
    logged = run.get("bf16 at", 0).to_dict()
    assert logged == dict(run.get("f32", 0).to_dict(), name="bf16 at")
    assert run.get("bf16", 0).to_dict()["counts"] == logged["counts"]
    if n > 100:  # and against numpy over the float64 values
        assert_matches_numpy(histlog.compute(tensor), reference(tensor), rel=1e-9, edges_dtype=np.float32)


def test_requires_grad_noncontiguous_zero_d_empty_and_parameters():
    weight = torch.nn.Linear(20, 30).weight  # a Parameter that requires grad
    cases = [
        weight,
        weight * 2,  # non-leaf with grad_fn
        torch.randn(30, 40).t(),  # non-contiguous
        torch.randn(10, 10)[:, ::2],
        torch.tensor(3.0),  # 0-d
        torch.randn(2, 3, 4, 5),  # any shape
        torch.empty(0),
        torch.tensor([float("nan"), 1.0, float("inf"), 2.0]),
    ]
    for tensor in cases:
        edges_dtype = np.float32 if tensor.dtype == torch.float32 else np.float64
        assert_matches_numpy(histlog.compute(tensor), reference(tensor), edges_dtype=edges_dtype)


def test_logging_a_parameter_leaves_autograd_alone(runs_directory):
    layer = torch.nn.Linear(4, 3)
    histlog.log_histogram(layer.weight, key="w", step=0)
    assert layer.weight.requires_grad and layer.weight.grad is None
    histlog.flush()
    data = histlog.open_run(histlog.active_run().path).get("w", 0)
    assert_matches_numpy(data, layer.weight.detach().numpy())


def test_complex_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="values must be real numbers"):
        histlog.compute(torch.randn(4, dtype=torch.complex64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensor():
    tensor = torch.randn(1000, device="cuda", requires_grad=True)
    assert_matches_numpy(histlog.compute(tensor), reference(tensor))
