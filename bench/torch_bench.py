"""PyTorch CPU side of `twinml bench`: training and inference throughput (samples/s) of zoo originals.

Reads a JSON job from stdin:
  {"batch_size": 64, "warmup": 2, "repeats": 5, "min_seconds": 0.4, "threads": [1, 0],
   "models": [{"name": "mlp", "module": "mlp", "cls": "MLP", "kwargs": {...}, "sample_shape": [1, 28, 28], "num_classes": 10,
               "batch_size": null}]}
(thread count 0 = all of torch's default threads; a model's own batch_size, if set, replaces the job's) and prints
one JSON object on stdout. Training steps are
zero_grad + cross_entropy + backward + Adam(lr 1e-3) step, like the TypeScript side; inference is eval-mode
forward under no_grad. Each repeat runs steps until min_seconds have passed; the result is the median repeat.
"""
import importlib
import json
import statistics
import sys
import time

import torch
from torch import nn


def measure(step, batch_size, warmup, repeats, min_seconds):
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        steps = 0
        start = time.perf_counter()
        while True:
            step()
            steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rates.append(steps * batch_size / elapsed)
    return statistics.median(rates)


def make_train_step(model, x, y):
    """One training step as the TypeScript side runs it: zero_grad, cross_entropy, backward, Adam(lr 1e-3) step, loss.item()."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()

    return train_step


def make_lm_train_step(model, x, y):
    """nanoGPT's step as the TypeScript gpt section runs it: AdamW (decay on 2-D weights), cross entropy over every
    position, backward, clip_grad_norm_(1.0), step, loss.item()."""
    optimizer = model.configure_optimizers(0.1, 1e-3)

    def train_step():
        optimizer.zero_grad()
        logits = model(x)
        loss = nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss.item()

    return train_step


def bench_language_model(module, spec, job):
    """Tokens/s of a language model (module.from_config(kwargs)) on random token ids [batch, block]."""
    torch.manual_seed(1)
    model = module.from_config(spec["kwargs"])
    batch = spec.get("batch_size") or job["batch_size"]
    block = spec["sample_shape"][0]
    x = torch.randint(0, spec["num_classes"], (batch, block))
    y = torch.randint(0, spec["num_classes"], (batch, block))
    train_step = make_lm_train_step(model, x, y)

    def infer_step():
        with torch.no_grad():
            model(x).numpy()

    model.train()
    train = measure(train_step, batch * block, job["warmup"], job["repeats"], job["min_seconds"])
    model.eval()
    infer = measure(infer_step, batch * block, job["warmup"], job["repeats"], job["min_seconds"])
    return {"train": train, "infer": infer}


def bench_model(spec, job):
    if spec.get("task") == "language-model":
        return bench_language_model(importlib.import_module(f"twinml_ref.models.{spec['module']}"), spec, job)
    module = importlib.import_module(f"twinml_ref.models.{spec['module']}")
    torch.manual_seed(1)
    model = getattr(module, spec["cls"])(**spec["kwargs"])
    batch = spec.get("batch_size") or job["batch_size"]
    x = torch.randn(batch, *spec["sample_shape"])
    y = torch.arange(batch) % spec["num_classes"]
    train_step = make_train_step(model, x, y)

    def infer_step():
        with torch.no_grad():
            model(x).numpy()

    model.train()
    train = measure(train_step, batch, job["warmup"], job["repeats"], job["min_seconds"])
    model.eval()
    infer = measure(infer_step, batch, job["warmup"], job["repeats"], job["min_seconds"])
    return {"train": train, "infer": infer}


def main():
    job = json.load(sys.stdin)
    default_threads = torch.get_num_threads()
    results = {}
    for threads in job["threads"]:
        n = threads or default_threads
        torch.set_num_threads(n)
        key = "1" if threads == 1 else "all"
        results[key] = {"threads": n, "models": {spec["name"]: bench_model(spec, job) for spec in job["models"]}}
    json.dump({"torch_version": torch.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
