"""PyTorch side of the inference benchmark (src/bench/inference/run.ts).

Reads a job from stdin: {"out_dir", "threads", "batches", "warmup", "repeats", "min_seconds"}.
Exports mnist-mlp and mnist-cnn with torch.onnx.export into out_dir/<name>/1/ (the test fixture builder, which
uses the python/twinml_ref zoo), then times PyTorch eager inference of the same modules (torch.inference_mode,
torch.set_num_threads(threads)) and prints {"torch_version", "threads", "latency_ms": {model: {batch: ms}}}.
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "inference", "fixtures"))
import build_models  # noqa: E402


def time_call(fn, warmup, repeats, min_seconds):
    """Median per-call milliseconds over `repeats` blocks of at least min_seconds each (warm-up excluded).

    Per-call times, not block averages: on a machine shared with other jobs a preempted call is an outlier the
    median ignores, as the Node side's per-call medians do (src/bench/inference/predict-latency.ts).
    """
    for _ in range(warmup):
        fn()
    per_call = []
    for _ in range(repeats):
        start = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            fn()
            t1 = time.perf_counter()
            per_call.append((t1 - t0) * 1000)
            if t1 - start >= min_seconds:
                break
    return statistics.median(per_call)


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(job["threads"])
    build_models.build_torch_models(job["out_dir"])
    models = {"mnist-mlp": (build_models.mlp, [784]), "mnist-cnn": (build_models.cnn, [1, 28, 28])}
    latency = {}
    for name, (make, shape) in models.items():
        torch.manual_seed(0)
        module = make().eval()
        latency[name] = {}
        for batch in job["batches"]:
            x = torch.rand(batch, *shape, generator=torch.Generator().manual_seed(batch))
            with torch.inference_mode():
                latency[name][str(batch)] = time_call(lambda: module(x), job["warmup"], job["repeats"], job["min_seconds"])
    print(json.dumps({"torch_version": torch.__version__, "threads": torch.get_num_threads(), "latency_ms": latency}))


if __name__ == "__main__":
    main()
