"""Optimizers and LR schedulers from torch.optim, run from an identical state on a fixed gradient sequence."""
import torch

from ..tensors import as_dtype
from .modules import prefixed

OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}
SCHEDULERS = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "LinearLR": torch.optim.lr_scheduler.LinearLR,
}


def make_optimizer(kind, params, options):
    if kind not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {kind!r}; choose one of {', '.join(OPTIMIZERS)}")
    opts = dict(options)
    if "betas" in opts:
        opts["betas"] = tuple(opts["betas"])
    return OPTIMIZERS[kind](params, **opts)


def optimizer_steps(args, tensors, dtype):
    """
    args: kind, options (torch keyword names), steps. tensors: param.<name> (initial values) and grads.<name>
    ([steps, *shape], the gradient fed at each step). Returns every step's parameters
    ("trajectory.<name>", [steps, *shape]) and the final optimizer state ("state.<name>.<buffer>").
    """
    names = sorted(prefixed(tensors, "param.").keys())
    params = [torch.nn.Parameter(as_dtype(tensors[f"param.{n}"], dtype).clone()) for n in names]
    opt = make_optimizer(args["kind"], params, args.get("options", {}))
    steps = int(args["steps"])
    history = {n: [] for n in names}
    for s in range(steps):
        for n, p in zip(names, params):
            p.grad = as_dtype(tensors[f"grads.{n}"][s], dtype).clone()
        opt.step()
        for n, p in zip(names, params):
            history[n].append(p.detach().clone())
    out = {f"trajectory.{n}": torch.stack(h) for n, h in history.items()}
    for n, p in zip(names, params):
        for key, value in opt.state[p].items():
            if isinstance(value, torch.Tensor) and key != "step":
                out[f"state.{n}.{key}"] = value.detach().clone()
    return {}, out


def scheduler_lrs(args, tensors, dtype):
    """
    args: lr, steps, schedulers [{kind, kwargs}] (stepped together, i.e. chained). Returns the learning rate
    before the first step and after each scheduler step ("lr", [steps + 1], float64 in both runs: the
    schedulers compute in Python floats).
    """
    p = torch.nn.Parameter(torch.zeros(1, dtype=dtype))
    opt = torch.optim.SGD([p], lr=float(args["lr"]))
    scheds = []
    for s in args["schedulers"]:
        if s["kind"] not in SCHEDULERS:
            raise ValueError(f"unknown scheduler {s['kind']!r}; choose one of {', '.join(SCHEDULERS)}")
        scheds.append(SCHEDULERS[s["kind"]](opt, **s.get("kwargs", {})))
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(int(args["steps"])):
        opt.step()
        for s in scheds:
            s.step()
        lrs.append(opt.param_groups[0]["lr"])
    return {}, {"lr": torch.tensor(lrs, dtype=torch.float64)}
