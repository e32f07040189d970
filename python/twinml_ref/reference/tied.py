"""A tied-weights language model (Embedding + Linear head sharing one Parameter, like GPT's lm_head): one step's
logits, loss and gradients, and an AdamW trajectory with clip_grad_norm_, for parity-tests/tied."""
import torch
from torch import nn

from ..tensors import as_dtype
from .modules import load_state, state_outputs


class TiedLM(nn.Module):
    """emb -> Linear + tanh -> head, with head.weight = emb.weight (one Parameter, two state_dict keys)."""

    def __init__(self, vocab: int, dim: int, padding_idx=None):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=padding_idx)
        self.proj = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, vocab, bias=False)
        self.head.weight = self.emb.weight

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.proj(self.emb(idx))))


def _build(args, tensors, dtype):
    model = TiedLM(int(args["vocab"]), int(args["dim"]), args.get("padding_idx"))
    model = load_state(model, tensors, dtype)
    assert model.head.weight is model.emb.weight
    return model


def _loss(model, idx, target, vocab):
    logits = model(idx)
    return logits, nn.functional.cross_entropy(logits.reshape(-1, vocab), target.reshape(-1))


def tied_step(args, tensors, dtype):
    """Logits, loss, every named_parameters() gradient, then clip_grad_norm_'s total norm and the clipped grads."""
    model = _build(args, tensors, dtype)
    vocab = int(args["vocab"])
    logits, loss = _loss(model, tensors["input"].long(), tensors["target"].long(), vocab)
    loss.backward()
    out = {"logits": logits.detach(), "loss": loss.detach()}
    names = [name for name, _ in model.named_parameters()]
    for name, p in model.named_parameters():
        out[f"grad.{name}"] = p.grad.clone()
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), float(args["max_norm"]))
    out["clip.total_norm"] = total.detach().reshape(1)
    for name, p in model.named_parameters():
        out[f"clipped.{name}"] = p.grad.clone()
    return {"parameters": names, "state_keys": list(model.state_dict().keys())}, out


def tied_train(args, tensors, dtype):
    """AdamW steps on batches input [steps, N, T] / target [steps, N, T] with clip_grad_norm_ before each step."""
    model = _build(args, tensors, dtype)
    vocab = int(args["vocab"])
    opt = torch.optim.AdamW(model.parameters(), lr=float(args["lr"]), weight_decay=float(args["weight_decay"]))
    losses, norms = [], []
    for idx, target in zip(tensors["inputs"].long(), tensors["targets"].long()):
        opt.zero_grad()
        _, loss = _loss(model, idx, target, vocab)
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), float(args["max_norm"])).detach())
        opt.step()
        losses.append(loss.detach())
    out = {"losses": torch.stack(losses), "norms": torch.stack(norms)}
    out.update(state_outputs(model))
    return {}, out
