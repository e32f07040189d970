"""PyTorch side of the generation benchmark (bench/generation.ts).

Reads a job from stdin: {"weights", "config", "prompt", "new_tokens", "repeats", "threads"}. Loads the zoo gpt's
PyTorch original (python/twinml_ref/models/gpt.py) with the same weights and times eager generation in
torch.inference_mode with torch.set_num_threads(threads):
- "kv_cache": the original's own KV cache (forward_with_cache: the prompt once, then one token per step);
- "no_cache": nanoGPT's generate (the whole window recomputed every step).
Sampling is a multinomial draw from softmax(logits) (temperature 1). Prints {"torch_version", "threads",
"tokens_per_second": {"kv_cache": ..., "no_cache": ...}} (the median over the repeats).
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from safetensors.torch import load_file  # noqa: E402
from twinml_ref.models.gpt import from_config  # noqa: E402


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(job["threads"])
    torch.manual_seed(0)
    model = from_config(job["config"])
    model.load_state_dict(load_file(job["weights"]), strict=True)
    model.eval()
    prompt = torch.tensor([job["prompt"]], dtype=torch.long)
    n = job["new_tokens"]

    def with_cache():
        past = None
        ids = prompt
        for _ in range(n):
            logits, past = model.forward_with_cache(ids, past)
            probs = torch.softmax(logits[:, -1, :], dim=-1)
            ids = torch.multinomial(probs, num_samples=1)

    def without_cache():
        model.generate(prompt, n, temperature=1.0)

    rates = {}
    with torch.inference_mode():
        for name, fn in (("kv_cache", with_cache), ("no_cache", without_cache)):
            fn()  # warm-up
            samples = []
            for _ in range(job["repeats"]):
                start = time.perf_counter()
                fn()
                samples.append(n / (time.perf_counter() - start))
            rates[name] = statistics.median(samples)
    print(json.dumps({"torch_version": torch.__version__, "threads": job["threads"], "tokens_per_second": rates}))


if __name__ == "__main__":
    main()
