"""nn.RNN / nn.LSTM / nn.GRU reference: forward with an optional initial state, backward with a random cotangent
for every output (output, h_n and, for LSTM, c_n), gradients of the input, the initial states and every parameter."""
import torch

from ..tensors import as_dtype
from .modules import build_module, load_state


def recurrent_step(args, tensors, dtype):
    """
    args: spec (a torch.nn module spec), state ('none' | 'h' | 'hc': what initial state is passed).
    tensors: state.<key> (the TS state_dict), input, h0, c0, cotangent.output, cotangent.h_n, cotangent.c_n.
    Returns output, h_n, c_n, grad.input, grad.h0, grad.c0 and grad.<parameter> for every parameter.
    """
    module = load_state(build_module(args["spec"]), tensors, dtype)
    module.train(False)
    kind = args.get("state", "none")
    x = as_dtype(tensors["input"], dtype).clone().requires_grad_(True)
    leaves = {"input": x}
    hx = None
    if kind in ("h", "hc"):
        leaves["h0"] = as_dtype(tensors["h0"], dtype).clone().requires_grad_(True)
        hx = leaves["h0"]
    if kind == "hc":
        leaves["c0"] = as_dtype(tensors["c0"], dtype).clone().requires_grad_(True)
        hx = (leaves["h0"], leaves["c0"])
    output, state = module(x) if hx is None else module(x, hx)
    outs = {"output": output}
    if isinstance(state, tuple):
        outs["h_n"], outs["c_n"] = state
    else:
        outs["h_n"] = state
    loss = sum((t * as_dtype(tensors[f"cotangent.{k}"], dtype)).sum() for k, t in outs.items())
    loss.backward()
    result = {k: v.detach() for k, v in outs.items()}
    for k, leaf in leaves.items():
        result[f"grad.{k}"] = leaf.grad
    for name, p in module.named_parameters():
        result[f"grad.{name}"] = p.grad if p.grad is not None else torch.zeros_like(p)
    return {}, result
