"""The PyTorch twin of twinml's language-model training (src/train/lm/trainer.ts, src/data/text-batches.ts):
the same character tokenizer, train/val split, batch offsets (twinml's Rng from the same seed), AdamW groups,
clipping and fixed-window evaluation, on the GPT original (twinml_ref/models/gpt.py).

    python -m twinml_ref.lm_training --data data/shakespeare/macbeth-hamlet.txt --config '{"n_layer": 2}' \
        --max-iters 300 --threads 1 --out result.json [--init runs/x/initial.safetensors]

Prints one JSON object (and writes it to --out): the evaluations, the final validation loss and tokens/s.
"""
import argparse
import json
import math
import time

import torch
from torch.nn import functional as F

from .models.gpt import from_config
from .rng import Rng


def encode_text(text):
    vocab = sorted(set(text))
    ids = {ch: i for i, ch in enumerate(vocab)}
    return vocab, torch.tensor([ids[c] for c in text], dtype=torch.long)


def split_tokens(tokens, val_fraction):
    n = math.floor(len(tokens) * (1 - val_fraction))
    return tokens[:n], tokens[n:]


def sample_batch(tokens, batch_size, block_size, rng):
    ix = [rng.randint(len(tokens) - block_size) for _ in range(batch_size)]
    x = torch.stack([tokens[i : i + block_size] for i in ix])
    y = torch.stack([tokens[i + 1 : i + 1 + block_size] for i in ix])
    return x, y


def evaluation_offsets(length, block_size, max_windows):
    count = (length - 1) // block_size
    all_offsets = [i * block_size for i in range(count)]
    if max_windows is None or count <= max_windows:
        return all_offsets
    return [all_offsets[(i * count) // max_windows] for i in range(max_windows)]


@torch.no_grad()
def evaluate_loss(model, tokens, block_size, batch_size, max_windows):
    offsets = evaluation_offsets(len(tokens), block_size, max_windows)
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(offsets), batch_size):
        rows = offsets[start : start + batch_size]
        x = torch.stack([tokens[o : o + block_size] for o in rows])
        y = torch.stack([tokens[o + 1 : o + 1 + block_size] for o in rows])
        logits = model(x)
        total += F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1)).item() * len(rows)
    model.train(was_training)
    return total / len(offsets)


def train_language_model(model, train, val, *, block_size, batch_size, max_iters, eval_interval, eval_windows, clip_grad_norm, seed, lr, weight_decay, betas=(0.9, 0.99)):
    """Trains `model` in place; returns (history, train_seconds). Mirrors trainLanguageModel."""
    optimizer = model.configure_optimizers(weight_decay, lr, betas)
    rng = Rng(seed)
    history = []
    train_s = 0.0
    loss_sum, loss_count = 0.0, 0

    def evaluate(step, final):
        nonlocal loss_sum, loss_count
        train_eval = evaluate_loss(model, train, block_size, batch_size, eval_windows)
        val_loss = evaluate_loss(model, val, block_size, batch_size, None if final else eval_windows)
        row = {
            "step": step,
            "train_loss": loss_sum / loss_count if loss_count else float("nan"),
            "train_eval_loss": train_eval,
            "val_loss": val_loss,
            "val_perplexity": math.exp(val_loss),
            "tokens_per_second": step * batch_size * block_size / train_s,
            "final": final,
        }
        loss_sum, loss_count = 0.0, 0
        history.append(row)
        return row

    model.train()
    for step in range(1, max_iters + 1):
        x, y = sample_batch(train, batch_size, block_size, rng)
        started = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        if clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        value = loss.item()
        train_s += time.perf_counter() - started
        loss_sum += value
        loss_count += 1
        if step % eval_interval == 0 and step != max_iters:
            evaluate(step, False)
    evaluate(max_iters, True)
    return history, train_s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--config", default="{}", help="GPTConfig fields as JSON (vocab_size is set from the text)")
    p.add_argument("--max-iters", type=int, default=300)
    p.add_argument("--eval-interval", type=int, default=100)
    p.add_argument("--eval-windows", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--clip-grad-norm", type=float, default=1.0)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--init", help="safetensors of the initial weights (default: torch.manual_seed(seed) init)")
    p.add_argument("--out")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.data, encoding="utf-8") as f:
        text = f.read()
    vocab, tokens = encode_text(text)
    config = {**json.loads(a.config), "vocab_size": len(vocab)}
    torch.manual_seed(a.seed)
    model = from_config(config)
    if a.init:
        from safetensors.torch import load_file

        model.load_state_dict(load_file(a.init), strict=True)
    train, val = split_tokens(tokens, a.val_fraction)
    history, train_s = train_language_model(
        model, train, val, block_size=model.config.block_size, batch_size=a.batch_size, max_iters=a.max_iters,
        eval_interval=a.eval_interval, eval_windows=a.eval_windows, clip_grad_norm=a.clip_grad_norm, seed=a.seed,
        lr=a.lr, weight_decay=a.weight_decay,
    )
    result = {"config": model.config.__dict__, "history": history, "final": history[-1], "train_seconds": train_s, "torch": torch.__version__, "threads": a.threads}
    text_out = json.dumps(result)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text_out + "\n")
    print(text_out)


if __name__ == "__main__":
    main()
