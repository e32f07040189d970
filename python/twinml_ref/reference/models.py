"""Zoo models: logits, loss and parameter gradients, training trajectories, state_dict round trips, traces."""
import torch

from ..tensors import as_dtype
from ..training import loss_for_head, train_steps
from ..zoo import build_model
from .modules import load_state, state_outputs, trace_outputs
from .optim import make_optimizer


def _target(tensors, dtype, key="target"):
    return as_dtype(tensors[key], dtype)


def model_step(args, tensors, dtype):
    """Logits, loss and every parameter gradient (from loss.backward()) of a zoo model on one batch."""
    model = load_state(build_model(args["name"], args["config"]), tensors, dtype)
    model.train(bool(args.get("train", False)))
    x = as_dtype(tensors["input"], dtype)
    logits = model(x)
    loss = loss_for_head(args["head"])(logits, _target(tensors, dtype))
    loss.backward()
    out = {"logits": logits.detach(), "loss": loss.detach()}
    for name, p in model.named_parameters():
        out[f"grad.{name}"] = p.grad
    return {}, out


def model_train(args, tensors, dtype):
    """A training trajectory: one step per batch of inputs [steps, N, ...] / targets [steps, N, ...]."""
    model = load_state(build_model(args["name"], args["config"]), tensors, dtype)
    opt = make_optimizer(args["optimizer"]["kind"], model.parameters(), args["optimizer"].get("options", {}))
    inputs = as_dtype(tensors["inputs"], dtype)
    targets = _target(tensors, dtype, "targets")
    losses = train_steps(model, opt, loss_for_head(args["head"]), inputs, targets)
    out = {"losses": losses}
    out.update(state_outputs(model))
    return {}, out


def model_trace(args, tensors, dtype):
    """Every submodule's output on one input (eval mode), for localising a divergence."""
    model = load_state(build_model(args["name"], args["config"]), tensors, dtype)
    model.eval()
    order, outputs = trace_outputs(model, as_dtype(tensors["input"], dtype))
    return {"order": order}, outputs


def state_dict_roundtrip(args, tensors):
    """Loads the TS state_dict into the PyTorch original with load_state_dict(strict=True) and returns PyTorch's."""
    model = build_model(args["name"], args["config"])
    state = {k[len("state."):]: v for k, v in tensors.items() if k.startswith("state.")}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        return {"loaded": False, "message": str(e)}, {}
    return {"loaded": True, "keys": list(model.state_dict().keys())}, state_outputs(model)


def initial_state(args, tensors):
    """The PyTorch original's own freshly initialised state_dict (seeded), for the TS -> loadStateDict check."""
    torch.manual_seed(int(args.get("seed", 0)))
    model = build_model(args["name"], args["config"])
    return {}, state_outputs(model)
