"""The gpt zoo model (models/gpt.py): logits, loss, every gradient, KV-cache logits and an AdamW trajectory."""
import torch
from torch.nn import functional as F

from ..models.gpt import from_config
from .modules import load_state, state_outputs


def _lm_loss(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


def gpt_step(args, tensors, dtype):
    """Eval-mode logits, loss and d loss / d every parameter (under each state_dict key, tied ones under both);
    plus the logits of a cached decode: the first `prefix` tokens, then the rest with the cache."""
    model = load_state(from_config(args["config"]), tensors, dtype)
    model.eval()
    idx, targets = tensors["idx"], tensors["targets"]
    logits = model(idx)
    loss = _lm_loss(logits, targets)
    loss.backward()
    out = {"logits": logits.detach(), "loss": loss.detach()}
    for name, p in model.named_parameters(remove_duplicate=False):
        out[f"grad.{name}"] = p.grad
    prefix = int(args["prefix"])
    with torch.no_grad():
        first, past = model.forward_with_cache(idx[:, :prefix], None)
        rest, present = model.forward_with_cache(idx[:, prefix:], past)
    out["cached_logits"] = torch.cat([first, rest], dim=1)
    for i, (k, v) in enumerate(present):
        out[f"present.{i}.key"] = k
        out[f"present.{i}.value"] = v
    return {}, out


def gpt_train(args, tensors, dtype):
    """`steps` AdamW steps (GPT.configure_optimizers: decay on 2-D weights only) with clip_grad_norm_, one batch
    idx[s] / targets[s] per step; every step's loss and the final state_dict."""
    model = load_state(from_config(args["config"]), tensors, dtype)
    model.train()
    opt = model.configure_optimizers(args["weight_decay"], args["lr"], tuple(args["betas"]))
    losses = []
    for x, y in zip(tensors["idx"], tensors["targets"]):
        opt.zero_grad()
        loss = _lm_loss(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args["clip_grad_norm"])
        opt.step()
        losses.append(loss.detach())
    out = {"losses": torch.stack(losses)}
    out.update(state_outputs(model))
    return {}, out
