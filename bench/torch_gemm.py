"""PyTorch side of bench/wasm-mlp-bound.mjs: single-thread torch.mm time (ms, median of repeats) per GEMM shape.

Reads {"shapes": [[m, k, n, transpose_a, transpose_b], ...], "repeats": 7, "min_seconds": 0.2} on stdin and
prints {"torch_version": ..., "ms": [...]} on stdout. Transposed operands are views, as in a Linear backward.
"""
import json
import statistics
import sys
import time

import torch


def time_mm(a, b, repeats, min_seconds):
    for _ in range(20):
        torch.mm(a, b)
    rates = []
    for _ in range(repeats):
        n = 0
        start = time.perf_counter()
        while True:
            torch.mm(a, b)
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        rates.append(elapsed / n * 1e3)
    return statistics.median(rates)


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = []
    for m, k, n, ta, tb in job["shapes"]:
        a = torch.rand(k, m).t() if ta else torch.rand(m, k)
        b = torch.rand(n, k).t() if tb else torch.rand(k, n)
        out.append(time_mm(a, b, job["repeats"], job["min_seconds"]))
    json.dump({"torch_version": torch.__version__, "ms": out}, sys.stdout)


if __name__ == "__main__":
    main()
