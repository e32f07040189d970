"""Layers and module trees: build torch.nn modules from a JSON spec, forward, backward with a cotangent, hooks."""
import torch
from torch import nn

from ..tensors import as_dtype


def build_module(spec):
    """
    Builds a torch.nn module from {"type": "Linear", "args": [5, 3], "kwargs": {"bias": True}}; a Sequential
    takes {"type": "Sequential", "children": [spec, ...]}.
    """
    kind = spec["type"]
    if kind == "Sequential":
        return nn.Sequential(*[build_module(c) for c in spec.get("children", [])])
    cls = getattr(nn, kind, None)
    if cls is None or not isinstance(cls, type) or not issubclass(cls, nn.Module):
        raise ValueError(f"unknown torch.nn module {kind!r}")
    # JSON has no tuples: list-valued keyword arguments (kernel sizes, Upsample's size/scale_factor) become tuples.
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.get("kwargs", {}).items()}
    return cls(*spec.get("args", []), **kwargs)


def prefixed(tensors, prefix):
    """The tensors whose names start with `prefix`, with the prefix removed."""
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def load_state(module, tensors, dtype, prefix="state."):
    """Loads the TS state_dict sent under `prefix` (strict), cast to `dtype`, and moves the module to `dtype`."""
    module.to(dtype)
    state = {k: as_dtype(v, dtype) for k, v in prefixed(tensors, prefix).items()}
    module.load_state_dict(state, strict=True)
    return module


def state_outputs(module, prefix="state."):
    return {prefix + k: v.detach().clone() for k, v in module.state_dict().items()}


def run_module(module, args, tensors, dtype):
    """
    Runs `module` on inputs input.0 .. input.{k-1} (the first k-1 only forward, e.g. to move BatchNorm running
    statistics), then backward from the last output with `cotangent`. Returns the output, the input gradient,
    every parameter gradient ("grad.<state_dict key>") and the state_dict afterwards.
    """
    module.train(bool(args.get("train", False)))
    steps = int(args.get("steps", 1))
    for i in range(steps - 1):
        with torch.no_grad():
            module(as_dtype(tensors[f"input.{i}"], dtype))
    x = as_dtype(tensors[f"input.{steps - 1}"], dtype).clone().requires_grad_(True)
    if "dropoutSeed" in args:
        torch.manual_seed(int(args["dropoutSeed"]))
    y = module(x)
    y.backward(as_dtype(tensors["cotangent"], dtype))
    out = {"output": y.detach(), "grad.input": x.grad}
    for name, p in module.named_parameters():
        out[f"grad.{name}"] = p.grad if p.grad is not None else torch.zeros_like(p)
    out.update(state_outputs(module))
    if "dropoutSeed" in args:
        out["mask"] = (y.detach() != 0).to(dtype)
    return out


def layer_step(args, tensors, dtype):
    module = load_state(build_module(args["spec"]), tensors, dtype)
    return {}, run_module(module, args, tensors, dtype)


def trace_outputs(module, x):
    """Output of every submodule, keyed "trace:<state_dict path>" ('' is the model), in completion order."""
    outputs, order, handles = {}, [], []
    for path, sub in module.named_modules():
        def hook(_m, _inputs, output, path=path):
            if isinstance(output, torch.Tensor):
                outputs[f"trace:{path}"] = output.detach().clone()
                order.append(path)
        handles.append(sub.register_forward_hook(hook))
    try:
        with torch.no_grad():
            module(x)
    finally:
        for h in handles:
            h.remove()
    return order, outputs


def module_hyperparameters(args, tensors):
    """
    The hyperparameters of a torch.nn module built from a spec (normally with only its required arguments): its
    extra_repr() and its public scalar attributes (reduction, ignore_index, beta, ... of the losses, whose
    extra_repr is empty).
    """
    module = build_module(args["spec"])
    attributes = {
        k: v
        for k, v in vars(module).items()
        if not k.startswith("_") and k != "training" and (v is None or isinstance(v, (bool, int, float, str)))
    }
    return {"extra_repr": module.extra_repr(), "attributes": attributes}, {}
