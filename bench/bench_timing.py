"""Per-call timing shared by the PyTorch sides of the bound benchmarks (torch_gpt_bound.py, torch_mlp_bound.py)."""
import statistics
import time


def quantiles_ms(fn, calls, warmup):
    """[10th percentile, median] of per-call wall ms of fn() over `calls` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return [times[len(times) // 10], statistics.median(times)]
