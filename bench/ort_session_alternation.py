"""Cross-check of the predict rows' method in Python onnxruntime (bench/inference/predict-latency.ts).

Usage: .venv/bin/python bench/ort_session_alternation.py [MODEL_ONNX] (default: mnist-mlp as the bench exports it,
built into a temporary folder by test/inference/fixtures/build_models.py).

Times mnist-mlp at batch 1 on one thread: PyTorch eager, one onnxruntime session on consecutive calls, and three
sessions of the same file (as the bench's session.run, predict and pool-only predict each hold one) rotated call
by call and in blocks of 100 calls. Each session holds its own 0.94 MB of weights; rotated call by call, three of
them cycle 2.8 MB through a 2 MB L2 cache and every call reads its weights from L3. Prints medians in microseconds.
"""
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "inference", "fixtures"))
import build_models  # noqa: E402


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def per_call_us(calls, rounds, block):
    """Median per-call microseconds of each callable, in rounds of `block` consecutive calls each."""
    samples = [[] for _ in calls]
    for r in range(rounds):
        for k in range(len(calls)):
            i = (r + k) % len(calls)
            for _ in range(block):
                t0 = time.perf_counter()
                calls[i]()
                samples[i].append((time.perf_counter() - t0) * 1e6)
    return [statistics.median(s) for s in samples]


def main():
    torch.set_num_threads(1)
    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        out = tempfile.mkdtemp(prefix="twinml-ort-alternation-")
        build_models.build_torch_models(out)
        path = os.path.join(out, "mnist-mlp", "1", "model.onnx")
    torch.manual_seed(0)
    module = build_models.mlp().eval()
    x = np.random.default_rng(0).random((1, 784), dtype=np.float32)
    xt = torch.from_numpy(x)
    sessions = [session(path) for _ in range(3)]
    name = sessions[0].get_inputs()[0].name
    feeds = {name: x}
    runs = [lambda s=s: s.run(None, feeds) for s in sessions]

    def eager():
        with torch.inference_mode():
            module(xt)

    for f in runs + [eager]:
        for _ in range(300):
            f()
    torch_us = per_call_us([eager], 1, 4000)[0]
    alone_us = per_call_us(runs[:1], 1, 4000)[0]
    rotated_us = per_call_us(runs, 4000, 1)
    blocks_us = per_call_us(runs, 40, 100)
    print(f"PyTorch eager, consecutive calls:           {torch_us:6.1f} us")
    print(f"onnxruntime, one session, consecutive:      {alone_us:6.1f} us")
    print(f"onnxruntime, 3 sessions rotated per call:   {statistics.median(rotated_us):6.1f} us")
    print(f"onnxruntime, 3 sessions in blocks of 100:   {statistics.median(blocks_us):6.1f} us")


if __name__ == "__main__":
    main()
