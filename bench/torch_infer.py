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
    for _ in range(warmup):
        fn()
    per_call = []
    for _ in range(repeats):
        n = 0
        start = time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        per_call.append(elapsed / n * 1000)
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
