"""PyTorch side of bench/gpt-wasm-bound.mjs, 1 thread. Every call is timed on its own and the 10th percentile and
the median are reported (preemption on a busy shared machine hits some calls, not most).
  - torch.mm / torch.bmm per GEMM shape of the gpt training step (transposed operands are views, as in autograd);
  - the gpt training step of the `gpt` bench section (bench/torch_bench.py make_lm_train_step);
  - torch.profiler over a few steps: the self CPU time of the GEMM ops (aten::mm, addmm, bmm, baddbmm) per step,
    and of the fused attention op (its matmuls run inside it).

Reads {"gemms": [[batch, m, k, n, transpose_a, transpose_b], ...], "calls": 200, "config": {...}, "batch": 32}
on stdin; prints {"torch_version", "gemm_ms": [[p10, median], ...], "step_ms": [p10, median],
"profile": {"steps", "gemm_ms", "attention_ms", "total_ms", "ops": {name: ms}}} (milliseconds per step).
"""
import json
import sys

import torch

from bench_timing import quantiles_ms


def operand(batch, rows, cols, transposed):
    """A [batch?, rows, cols] operand; transposed: a view of a contiguous [cols, rows] (as autograd's)."""
    shape = (cols, rows) if transposed else (rows, cols)
    x = torch.rand(batch, *shape) if batch > 1 else torch.rand(*shape)
    return x.transpose(-1, -2) if transposed else x


GEMM_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::matmul")
ATTENTION_OPS = ("aten::_scaled_dot_product_flash_attention_for_cpu", "aten::_scaled_dot_product_flash_attention_for_cpu_backward")


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    calls = job["calls"]
    gemm = []
    for batch, m, k, n, ta, tb in job["gemms"]:
        a = operand(batch, m, k, ta)
        b = operand(batch, k, n, tb)
        fn = (lambda a=a, b=b: torch.bmm(a, b)) if batch > 1 else (lambda a=a, b=b: torch.mm(a, b))
        gemm.append(quantiles_ms(fn, calls, warmup=10))

    from twinml_ref.models.gpt import from_config
    from torch_bench import make_lm_train_step

    torch.manual_seed(1)
    config = job["config"]
    model = from_config(config)
    model.train()
    x = torch.randint(0, config["vocab_size"], (job["batch"], config["block_size"]))
    y = torch.randint(0, config["vocab_size"], (job["batch"], config["block_size"]))
    step_fn = make_lm_train_step(model, x, y)
    step = quantiles_ms(step_fn, max(20, calls // 5), warmup=5)

    steps = 5
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step_fn()
    ops = {}
    total = 0.0
    for e in prof.key_averages():
        ms = e.self_cpu_time_total / 1e3 / steps
        total += ms
        if e.key in GEMM_OPS or e.key in ATTENTION_OPS:
            ops[e.key] = ops.get(e.key, 0.0) + ms
    profile = {
        "steps": steps,
        "gemm_ms": sum(v for key, v in ops.items() if key in GEMM_OPS),
        "attention_ms": sum(v for key, v in ops.items() if key in ATTENTION_OPS),
        "total_ms": total,
        "ops": ops,
    }
    json.dump({"torch_version": torch.__version__, "gemm_ms": gemm, "step_ms": step, "profile": profile}, sys.stdout)


if __name__ == "__main__":
    main()
