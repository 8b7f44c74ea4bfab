"""histlog.lightning.HistlogCallback in real Lightning fits on CPU: bf16 autocast, fp16 with a
GradScaler (and a step it skips), gradient accumulation and clipping, DDP and FSDP2 processes.

The oracle (``lightning_cases.Applied``) is what the real torch optimizer applied at each step,
captured by the test's own hook on it; under Lightning's automatic optimization the last
micro-batch's backward pass and the gradient clipping run inside ``optimizer.step(closure)``,
so the oracle reads ``.grad`` once the closure has returned, as torch's SGD does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

L = pytest.importorskip("lightning")
torch = pytest.importorskip("torch")

import histlog  # noqa: E402
from conftest import assert_applied_steps_logged, assert_matches_numpy, assert_scaler_skip_logged  # noqa: E402
from histlog.lightning import HistlogCallback  # noqa: E402
from lightning_cases import Applied, Regression, data  # noqa: E402
from test_distributed import launch  # noqa: E402
from test_watch_distributed import assert_whole_tensor  # noqa: E402

NAMES = ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
QUIET = dict(accelerator="cpu", devices=1, enable_progress_bar=False, enable_model_summary=False,
             enable_checkpointing=False, num_sanity_val_steps=0)


def test_bf16_accumulation_and_clipping_log_what_each_step_applies(tmp_path):
    clip = 0.02
    applied = Applied()
    trainer = L.Trainer(
        precision="bf16-mixed", accumulate_grad_batches=2, gradient_clip_val=clip, max_steps=4, log_every_n_steps=1,
        callbacks=[HistlogCallback(activations=[torch.nn.ReLU]), applied],
        logger=L.pytorch.loggers.CSVLogger(tmp_path), **QUIET,
    )
    trainer.fit(Regression(), data(batches=8))
    log_dir = Path(trainer.log_dir)
    assert histlog.active_run() is None  # the run the callback started has ended with the fit
    assert_applied_steps_logged(log_dir / "histlog", applied.steps, range(4), NAMES)
    # The records are the clipped gradients, which differ from those on_before_optimizer_step sees.
    for step, named in applied.steps.items():
        norm = float(np.sqrt(sum((gradient.astype(np.float64) ** 2).sum() for _, gradient in named.values())))
        assert norm == pytest.approx(clip, rel=1e-3) and applied.before_clipping[step] > 2 * clip
    reader = histlog.open_run(log_dir / "histlog")
    activations = reader.history("Activations/model.1")  # the first micro-batch of each step
    assert [record.step for record in activations] == [0, 1, 2, 3]
    for record in activations:
        assert_matches_numpy(record, applied.activations[record.step])
    assert "loss" in (log_dir / "metrics.csv").read_text()  # the Lightning logger logged next to it


def test_gradscaler_steps_are_unscaled_and_a_skipped_step_shows_its_non_finite_gradients(tmp_path):
    from lightning.pytorch.plugins import MixedPrecision

    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    applied = Applied()
    callback = HistlogCallback(every=2, include=r"^model\.0\.", exclude=r"bias$")
    with histlog.start_run(tmp_path / "mine") as run:
        trainer = L.Trainer(plugins=[MixedPrecision("16-mixed", "cpu", scaler=scaler)], max_steps=6,
                            callbacks=[callback, applied], logger=False, default_root_dir=tmp_path, **QUIET)
        trainer.fit(Regression(blow_up_at=2), data(batches=6))
        assert histlog.active_run() is run  # logged into the active run and left it open
    assert scaler.get_scale() == 2.0**15  # the scaler skipped one step (step 2) and halved its scale
    assert_scaler_skip_logged(run.path, applied.steps, "model.0.weight")
    assert not list(tmp_path.rglob("histlog"))  # no run of its own


def test_every_zero_logs_nothing_and_starts_no_run(tmp_path):
    trainer = L.Trainer(max_steps=2, callbacks=[HistlogCallback(every=0, activations=[torch.nn.ReLU])],
                        logger=False, default_root_dir=tmp_path, **QUIET)
    trainer.fit(Regression(), data(batches=2))
    assert not list(tmp_path.rglob("histlog")) and histlog.active_run() is None


def test_a_failing_fit_ends_the_run_with_the_steps_before_the_failure(tmp_path):
    class Failing(Regression):
        def training_step(self, batch, batch_idx):
            if self.trainer.global_step == 2:
                raise RuntimeError("diverged")
            return super().training_step(batch, batch_idx)

    # log="gradients" also shows the option survives Lightning setting the callback's ``log`` attribute
    callback = HistlogCallback(log="gradients")
    trainer = L.Trainer(max_steps=4, callbacks=[callback], logger=False, default_root_dir=tmp_path, **QUIET)
    with pytest.raises(RuntimeError, match="diverged"):
        trainer.fit(Failing(), data(batches=4))
    assert histlog.active_run() is None  # ended by on_exception
    reader = histlog.open_run(tmp_path / "histlog")
    assert reader.keys() == [f"Gradients/{name}" for name in sorted(NAMES)]
    assert reader.steps("Gradients/model.0.weight") == [0, 1]


def test_bad_options_name_the_argument():
    with pytest.raises(ValueError, match="log must be"):
        HistlogCallback(log="weights")
    with pytest.raises(TypeError, match="every must be an int"):
        HistlogCallback(every=1.5)
    with pytest.raises(ValueError, match="include"):
        HistlogCallback(include="(")


def test_ddp_and_fsdp2_processes_log_one_record_per_step(tmp_path):
    """Two gloo processes: DDPStrategy, then ModelParallelStrategy (FSDP2), 3 steps of 2 micro-batches."""
    launch(2, tmp_path, worker=Path(__file__).with_name("lightning_worker.py"))

    def applied(case, rank):
        with np.load(tmp_path / f"{case}.{rank}.npz") as f:
            arrays = {key: f[key] for key in f.files}
        return {step: {name: (arrays[f"Parameters/{name}/{step}"], arrays[f"Gradients/{name}/{step}"])
                       for name in NAMES} for step in range(3)}

    ddp = applied("ddp", 0)
    for step in range(3):  # DDP averaged the gradients before the step: both ranks applied the same
        for name in NAMES:
            np.testing.assert_array_equal(ddp[step][name][1], applied("ddp", 1)[step][name][1])
    assert_applied_steps_logged(tmp_path / "ddp" / "histlog", ddp, range(3), NAMES)

    fsdp2 = applied("fsdp2", 0)  # whole tensors, gathered by the oracle
    reader = histlog.open_run(tmp_path / "fsdp2" / "histlog")
    for name in NAMES:
        for index, kind in enumerate(("Parameters", "Gradients")):
            assert reader.steps(f"{kind}/{name}") == [0, 1, 2]
            for step in range(3):
                assert_whole_tensor(reader.get(f"{kind}/{name}", step), fsdp2[step][name][index])
    assert not (tmp_path / "default-1").exists()  # rank 1 opened no run
