"""Optimizers and LR schedulers from torch.optim, run from an identical state on a fixed gradient sequence."""
import math

import torch

from ..tensors import as_dtype
from .modules import prefixed

OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "Adadelta": torch.optim.Adadelta,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}
SCHEDULERS = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "MultiStepLR": torch.optim.lr_scheduler.MultiStepLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "LinearLR": torch.optim.lr_scheduler.LinearLR,
    "LambdaLR": torch.optim.lr_scheduler.LambdaLR,
    "SequentialLR": torch.optim.lr_scheduler.SequentialLR,
    "OneCycleLR": torch.optim.lr_scheduler.OneCycleLR,
}
# Hyper-parameters that are implementation switches, not part of the update rule (left out of the defaults check).
SWITCHES = {"foreach", "capturable", "differentiable", "fused"}


def lr_lambda(spec):
    """A LambdaLR function from a JSON spec (functions cannot cross the bridge): pow or warmup."""
    if spec["type"] == "pow":
        base = float(spec["base"])
        return lambda epoch: base ** epoch
    if spec["type"] == "warmup":
        steps = int(spec["steps"])
        return lambda epoch: min(1.0, (epoch + 1) / steps)
    raise ValueError(f"unknown lr_lambda spec {spec!r}; valid types: pow, warmup")


def make_optimizer(kind, params, options):
    if kind not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {kind!r}; choose one of {', '.join(OPTIMIZERS)}")
    opts = dict(options)
    if "betas" in opts:
        opts["betas"] = tuple(opts["betas"])
    return OPTIMIZERS[kind](params, **opts)


def make_scheduler(opt, spec):
    kind = spec["kind"]
    if kind not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {kind!r}; choose one of {', '.join(SCHEDULERS)}")
    kwargs = dict(spec.get("kwargs", {}))
    if kind == "SequentialLR":
        kwargs["schedulers"] = [make_scheduler(opt, s) for s in kwargs["schedulers"]]
    if kind == "LambdaLR":
        fn = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = [lr_lambda(f) for f in fn] if isinstance(fn, list) else lr_lambda(fn)
    return SCHEDULERS[kind](opt, **kwargs)


def optimizer_steps(args, tensors, dtype):
    """
    args: kind, options (torch keyword names), steps, groups (optional: [{names, options}], parameter groups by
    parameter name; parameters in no group are left out). tensors: param.<name> (initial values) and
    grads.<name> ([steps, *shape], the gradient fed at each step; a step whose gradient is all NaN leaves .grad
    None). Returns every step's parameters ("trajectory.<name>", [steps, *shape]) and the final optimizer
    state ("state.<name>.<buffer>").
    """
    names = sorted(prefixed(tensors, "param.").keys())
    params = {n: torch.nn.Parameter(as_dtype(tensors[f"param.{n}"], dtype).clone()) for n in names}
    groups = args.get("groups")
    if groups:
        spec = [{"params": [params[n] for n in g["names"]], **g.get("options", {})} for g in groups]
        for g in spec:
            if "betas" in g:
                g["betas"] = tuple(g["betas"])
    else:
        spec = list(params.values())
    opt = make_optimizer(args["kind"], spec, args.get("options", {}))
    steps = int(args["steps"])
    history = {n: [] for n in names}
    for s in range(steps):
        for n, p in params.items():
            g = as_dtype(tensors[f"grads.{n}"][s], dtype).clone()
            p.grad = None if torch.isnan(g).all() else g
        opt.step()
        for n, p in params.items():
            history[n].append(p.detach().clone())
    out = {f"trajectory.{n}": torch.stack(h) for n, h in history.items()}
    for n, p in params.items():
        for key, value in opt.state[p].items():
            if isinstance(value, torch.Tensor) and key != "step":
                out[f"state.{n}.{key}"] = value.detach().clone()
    return {}, out


def scheduler_lrs(args, tensors, dtype):
    """
    args: lrs (one per parameter group), steps, schedulers [{kind, kwargs}] (stepped together, i.e. chained),
    optimizer (optional {kind, options}, default SGD). Returns, per group g, the learning rate before the first
    step and after each scheduler step ("lr.<g>", [steps + 1]) and the momentum or beta1 ("momentum.<g>"),
    float64 in both runs: the schedulers compute in Python floats.
    """
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1, dtype=dtype))], "lr": float(lr)} for lr in args["lrs"]]
    o = args.get("optimizer") or {"kind": "SGD", "options": {}}
    opt = make_optimizer(o["kind"], groups, o.get("options", {}))
    scheds = [make_scheduler(opt, s) for s in args["schedulers"]]

    def momentum(g):
        return g["betas"][0] if "betas" in g else g.get("momentum", 0.0)

    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [[momentum(g) for g in opt.param_groups]]
    for _ in range(int(args["steps"])):
        opt.step()
        for s in scheds:
            s.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append([momentum(g) for g in opt.param_groups])
    out = {}
    for i in range(len(groups)):
        out[f"lr.{i}"] = torch.tensor([row[i] for row in lrs], dtype=torch.float64)
        out[f"momentum.{i}"] = torch.tensor([row[i] for row in moms], dtype=torch.float64)
    return {"last_lr": scheds[-1].get_last_lr() if scheds else []}, out


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return value


def optimizer_defaults(args, tensors, dtype):
    """
    args: kind, required (the required keyword arguments, usually none). Returns the optimizer's param_groups[0]
    hyper-parameters built with only those (PyTorch's defaults), implementation switches left out.
    """
    p = torch.nn.Parameter(torch.zeros(1, dtype=dtype))
    opt = make_optimizer(args["kind"], [p], args.get("required", {}))
    group = {k: _plain(v) for k, v in opt.param_groups[0].items() if k != "params" and k not in SWITCHES}
    return {"group": group}, {}


def scheduler_defaults(args, tensors, dtype):
    """
    args: spec {kind, kwargs} with only the required arguments. Returns the scheduler's public attributes
    (PyTorch's defaults) that are plain numbers, strings or lists.
    """
    p = torch.nn.Parameter(torch.zeros(1, dtype=dtype))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make_scheduler(opt, args["spec"])
    attrs = {}
    for k, v in vars(sched).items():
        if k.startswith("_") or k in ("optimizer", "base_lrs", "last_epoch", "verbose"):
            continue
        if isinstance(v, (list, tuple)) and not all(isinstance(x, (int, float, str, bool)) for x in v):
            continue
        if isinstance(v, (int, float, str, bool, list, tuple)):
            attrs[k] = _plain(v)
    if isinstance(getattr(sched, "milestones", None), dict):
        attrs["milestones"] = sorted(sched.milestones.elements())
    if isinstance(sched, torch.optim.lr_scheduler.OneCycleLR):
        attrs["anneal_strategy"] = sched._anneal_func_type
        attrs["phase_end_steps"] = [p["end_step"] for p in sched._schedule_phases]
        group = opt.param_groups[0]
        for key in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
            attrs[f"group.{key}"] = group[key]
    if isinstance(sched, torch.optim.lr_scheduler.SequentialLR):
        attrs["milestones"] = list(sched._milestones)
    return {"attrs": attrs}, {}
