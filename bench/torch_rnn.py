"""PyTorch side of `twinml bench rnn`: ms per LSTM/GRU forward + backward step on the CPU, 1 thread.

Reads a JSON job from stdin: {"cells": ["LSTM", "GRU"], "batch": 16, "seq": 32, "input": 64, "hidden": 64,
"layers": 2, "steps": 30, "warmup": 5} and prints {"LSTM": {"min_ms": .., "median_ms": ..}, ...}. A step is what
the TypeScript side times: forward of the whole sequence, loss = sum(output * cotangent), backward to the input
and every parameter (gradients zeroed first).
"""
import json
import statistics
import sys
import time

import torch


def bench(cell, job):
    torch.manual_seed(0)
    module = getattr(torch.nn, cell)(job["input"], job["hidden"], num_layers=job["layers"])
    x = torch.randn(job["seq"], job["batch"], job["input"], requires_grad=True)
    cot = torch.randn(job["seq"], job["batch"], job["hidden"])

    def step():
        module.zero_grad(set_to_none=True)
        x.grad = None
        output, _ = module(x)
        (output * cot).sum().backward()

    for _ in range(job["warmup"]):
        step()
    times = []
    for _ in range(job["steps"]):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return {"min_ms": min(times), "median_ms": statistics.median(times)}


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(1)
    print(json.dumps({cell: bench(cell, job) for cell in job["cells"]}))


if __name__ == "__main__":
    main()
