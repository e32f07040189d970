"""PyTorch side of bench/wasm-mlp-bound.mjs, 1 thread. Every call is timed on its own and the 10th percentile
and the median are reported: preemption on a busy shared machine hits some calls, not most, so these stay put
where means and loop totals do not.
  - torch.mm per GEMM shape (transposed operands are views, as in a Linear backward);
  - the zoo mlp training step (zero_grad, cross_entropy, backward, Adam lr 1e-3 step, loss.item()), batch 64.

Reads {"shapes": [[m, k, n, transpose_a, transpose_b], ...], "calls": 400} on stdin; prints
{"torch_version", "gemm_ms": [[p10, median], ...], "step_ms": [p10, median]} (milliseconds).
"""
import json
import sys

import torch

from bench_timing import quantiles_ms


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    calls = job["calls"]
    gemm = []
    for m, k, n, ta, tb in job["shapes"]:
        a = torch.rand(k, m).t() if ta else torch.rand(m, k)
        b = torch.rand(n, k).t() if tb else torch.rand(k, n)
        gemm.append(quantiles_ms(lambda: torch.mm(a, b), calls, warmup=30))

    from twinml_ref.models.mlp import MLP
    from torch_bench import make_train_step

    torch.manual_seed(1)
    model = MLP()
    x = torch.randn(64, 1, 28, 28)
    y = torch.arange(64) % 10
    step = quantiles_ms(make_train_step(model, x, y), calls, warmup=30)
    json.dump({"torch_version": torch.__version__, "gemm_ms": gemm, "step_ms": step}, sys.stdout)


if __name__ == "__main__":
    main()
