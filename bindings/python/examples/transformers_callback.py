"""histlog.transformers.HistlogCallback: what each optimizer step of a Hugging Face Trainer
applies, under bf16 mixed precision, gradient accumulation and clipping."""

import torch
from transformers import Trainer, TrainingArguments

import histlog
from histlog.transformers import HistlogCallback


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))

    def forward(self, x, labels):
        logits = self.model(x)
        return {"loss": torch.nn.functional.cross_entropy(logits, labels), "logits": logits}


x = torch.randn(1024, 20)
data = [{"x": row, "labels": int(row.sum() > 0)} for row in x]
args = TrainingArguments(
    "runs/hf", max_steps=20, per_device_train_batch_size=16, gradient_accumulation_steps=2, bf16=True,
    use_cpu=True, report_to="none", save_strategy="no", disable_tqdm=True,  # max_grad_norm=1.0 clips
)
trainer = Trainer(model=Classifier(), args=args, train_dataset=data)
trainer.add_callback(HistlogCallback(every=5))
trainer.train()

print(histlog.open_run("runs/hf/histlog").steps("Gradients/model.0.weight"))  # [0, 5, 10, 15]
