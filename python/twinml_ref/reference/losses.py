"""Losses: value and input gradient of torch.nn losses (CrossEntropyLoss, NLLLoss, BCE(WithLogits)Loss, MSE/L1/SmoothL1/HuberLoss)."""
import torch
from torch import nn

from ..tensors import as_dtype

LOSSES = {"CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"}


def loss_step(args, tensors, dtype):
    """
    args: kind, kwargs (reduction, ignore_index, label_smoothing); tensors: input, target, optional weight,
    pos_weight, cotangent (for reduction='none'). Returns the loss and d loss / d input.
    """
    kind = args["kind"]
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; choose one of {', '.join(sorted(LOSSES))}")
    kwargs = dict(args.get("kwargs", {}))
    for name in ("weight", "pos_weight"):
        if name in tensors:
            kwargs[name] = as_dtype(tensors[name], dtype)
    loss_fn = getattr(nn, kind)(**kwargs)
    x = as_dtype(tensors["input"], dtype).clone().requires_grad_(True)
    target = as_dtype(tensors["target"], dtype)
    loss = loss_fn(x, target)
    if loss.dim() == 0:
        loss.backward()
    else:
        loss.backward(as_dtype(tensors["cotangent"], dtype))
    return {}, {"loss": loss.detach(), "grad.input": x.grad}
