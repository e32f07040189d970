"""
Sequence-model references with several tensor inputs and outputs: torch functions (F.layer_norm, F.rms_norm,
F.scaled_dot_product_attention, masked_fill, triu, tril, topk) and modules (LayerNorm, MultiheadAttention,
Transformer layers). Outputs, gradients of the named inputs and of every parameter, with one cotangent per
float output.
"""
import torch
import torch.nn.functional as F
from torch import nn

from ..tensors import as_dtype
from .modules import load_state

FUNCTIONS = {
    "layer_norm": F.layer_norm,
    "rms_norm": F.rms_norm,
    "scaled_dot_product_attention": F.scaled_dot_product_attention,
    "masked_fill": torch.masked_fill,
    "triu": torch.triu,
    "tril": torch.tril,
    "topk": torch.topk,
    "softmax": F.softmax,
}

ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def build(spec):
    """A torch.nn module from {"type", "args", "kwargs"}; an argument {"module": spec} is built first."""
    cls = getattr(nn, spec["type"], None)
    if cls is None or not isinstance(cls, type) or not issubclass(cls, nn.Module):
        raise ValueError(f"unknown torch.nn module {spec['type']!r}")

    def value(v):
        return build(v["module"]) if isinstance(v, dict) and "module" in v else v

    args = [value(a) for a in spec.get("args", [])]
    kwargs = {k: value(v) for k, v in spec.get("kwargs", {}).items()}
    return cls(*args, **kwargs)


def resolve(v, leaves):
    """{"tensor": name} becomes that tensor, {"float": "-inf"} a float; lists and dicts are resolved recursively."""
    if isinstance(v, dict) and "tensor" in v:
        return leaves[v["tensor"]]
    if isinstance(v, dict) and "float" in v:
        return float(v["float"])
    if isinstance(v, list):
        return [resolve(x, leaves) for x in v]
    if isinstance(v, dict):
        return {k: resolve(x, leaves) for k, x in v.items()}
    return v


def sequence_step(args, tensors, dtype):
    """
    args: kind ("function" | "module"), op or spec, args (positional, {"tensor": name} for tensors), kwargs,
    grad_inputs (names of the inputs whose gradient is returned), train (modules). Tensors: the inputs by name,
    state.<key> (modules), cotangent.<i> for each float output i. Returns output.<i>, grad.<input> and
    grad.<parameter key>.
    """
    leaves = {}
    for name, t in tensors.items():
        if name.startswith("state.") or name.startswith("cotangent."):
            continue
        t = as_dtype(t, dtype)
        if name in args.get("grad_inputs", []):
            t = t.clone().requires_grad_(True)
        leaves[name] = t
    positional = resolve(args.get("args", []), leaves)
    kwargs = resolve(args.get("kwargs", {}), leaves)
    module = None
    if args["kind"] == "function":
        fn = FUNCTIONS.get(args["op"])
        if fn is None:
            raise ValueError(f"unknown function {args['op']!r}; choose one of {', '.join(sorted(FUNCTIONS))}")
        result = fn(*positional, **kwargs)
    else:
        module = load_state(build(args["spec"]), tensors, dtype)
        module.train(bool(args.get("train", False)))
        result = module(*positional, **kwargs)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    out = {}
    loss = None
    for i, y in enumerate(outputs):
        if y is None:
            continue
        out[f"output.{i}"] = y.detach()
        if y.is_floating_point() and y.requires_grad:
            term = (y * as_dtype(tensors[f"cotangent.{i}"], dtype)).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    for name in args.get("grad_inputs", []):
        g = leaves[name].grad
        out[f"grad.{name}"] = g if g is not None else torch.zeros_like(leaves[name])
    if module is not None:
        for name, p in module.named_parameters():
            out[f"grad.{name}"] = p.grad if p.grad is not None else torch.zeros_like(p)
    return {"outputs": [i for i, y in enumerate(outputs) if y is not None]}, out
