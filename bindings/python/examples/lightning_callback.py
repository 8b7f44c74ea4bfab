"""histlog.lightning.HistlogCallback: what each optimizer step of a Lightning fit applies, under
bf16 mixed precision, gradient accumulation and clipping, next to Lightning's own logger."""

import lightning
import torch

import histlog
from histlog.lightning import HistlogCallback


class Classifier(lightning.LightningModule):
    def __init__(self):
        super().__init__()
        self.model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.model(x), y)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=1e-3)


x = torch.randn(1024, 20)
data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, (x.sum(1) > 0).long()), batch_size=16)
trainer = lightning.Trainer(
    max_steps=20, accumulate_grad_batches=2, precision="bf16-mixed", gradient_clip_val=1.0,
    callbacks=[HistlogCallback(every=5, activations=[torch.nn.ReLU])],
)
trainer.fit(Classifier(), data)

reader = histlog.open_run(f"{trainer.log_dir}/histlog")  # next to Lightning's logger: lightning_logs/version_0
print(reader.steps("Gradients/model.0.weight"))  # [0, 5, 10, 15]: trainer.global_step
print(reader.steps("Activations/model.1"))  # [0, 5, 10, 15]: the first micro-batch of those steps
