"""
A user's own PyTorch model, imported from its file path, for `twinml parity --torch file.py:Class` and for
loading PyTorch checkpoints into a TS mirror. Every function builds the class with the same JSON arguments
as the TS side (a list: positional; an object: keyword arguments).
"""
import contextlib
import inspect
import json
import typing
import importlib.util
import os
import sys

import torch

from ..tensors import as_dtype
from .modules import load_state, prefixed, state_outputs

_loaded = {}


def load_class(path, name):
    """The class `name` of the Python file at `path` (imported once per file version, its folder on sys.path)."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--torch: {path} does not exist")
    key = (path, os.path.getmtime(path))
    module = _loaded.get(key)
    if module is None:
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        spec = importlib.util.spec_from_file_location(f"twinml_user_{len(_loaded)}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[key] = module
    cls = getattr(module, name, None)
    if cls is None:
        known = [k for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, torch.nn.Module)]
        raise AttributeError(f"{path} has no {name!r}; its torch.nn.Module classes: {', '.join(known) or 'none'}")
    return cls


def _config_value(cls, name, annotation, value):
    """A JSON object given for a parameter annotated with a class (a config dataclass) builds that class."""
    if not isinstance(value, dict) or not isinstance(annotation, type) or annotation in (dict, object) or issubclass(annotation, dict):
        return value
    try:
        return annotation(**value)
    except TypeError as e:
        raise TypeError(f"--args: {cls.__name__}({name}=...): building {annotation.__name__} from {json.dumps(value)} failed: {e}") from None


def construct(cls, ctor):
    """
    cls(*ctor) for a list, cls(**ctor) for a dict, cls() for None. A JSON object given for a constructor parameter
    annotated with a class (`def __init__(self, config: GPTConfig)`) is turned into that class first
    (`GPTConfig(**value)`), so `--args '{"config": {"n_layer": 2}}'` builds nanoGPT-style models.
    """
    if ctor is None:
        return cls()
    init = cls.__init__
    try:
        hints = typing.get_type_hints(init)
    except Exception:  # unresolvable annotations: values are passed as given
        hints = {}
    try:
        names = list(inspect.signature(init).parameters)[1:]
    except (TypeError, ValueError):
        names = []
    if isinstance(ctor, list):
        return cls(*[_config_value(cls, names[i], hints.get(names[i]), v) if i < len(names) else v for i, v in enumerate(ctor)])
    return cls(**{k: _config_value(cls, k, hints.get(k), v) for k, v in ctor.items()})


def build(args):
    """Instantiates args["file"]:args["cls"] with args["args"] (list: positional, dict: keyword; see construct)."""
    return construct(load_class(args["file"], args["cls"]), args.get("args"))


def _flat_outputs(y):
    """A forward result as a list of tensors (a tensor, or a tuple/list of tensors)."""
    if isinstance(y, torch.Tensor):
        return [y]
    if isinstance(y, (tuple, list)) and len(y) > 0:
        try:
            return [t for item in y for t in _flat_outputs(item)]  # nested tuples: depth-first, as the TS side
        except TypeError:
            pass
    raise TypeError(f"forward returned {type(y).__name__}; parity compares a tensor or a tuple of tensors")


@contextlib.contextmanager
def fed_noise(tensors, dtype):
    """
    While active, torch.randn_like / torch.randn return the next values of the flat tensor `noise` (the normal
    draws the TS side made, in order), so sampling models (a VAE's reparameterisation) compare deterministically.
    """
    if "noise" not in tensors:
        yield
        return
    stream = as_dtype(tensors["noise"], dtype).reshape(-1)
    used = [0]

    def take(shape, like_dtype):
        n = 1
        for d in shape:
            n *= int(d)
        if used[0] + n > stream.numel():
            raise RuntimeError(f"the model drew more normal values than the {stream.numel()} the TS side drew")
        t = stream[used[0] : used[0] + n].reshape(tuple(shape)).to(like_dtype)
        used[0] += n
        return t.clone()

    real_like, real_randn = torch.randn_like, torch.randn
    torch.randn_like = lambda x, **kw: take(x.shape, x.dtype)
    torch.randn = lambda *size, **kw: take(size[0] if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)) else size, kw.get("dtype") or dtype)
    try:
        yield
    finally:
        torch.randn_like, torch.randn = real_like, real_randn


def trace_hooks(model, outputs, order):
    """Forward hooks on every submodule recording its tensor output as trace:<path> (trace:<path>#k for calls k > 1)."""
    handles, counts = [], {}
    for path, sub in model.named_modules():
        def hook(_m, _inputs, output, path=path):
            counts[path] = counts.get(path, 0) + 1
            key = path if counts[path] == 1 else f"{path}#{counts[path]}"
            for i, t in enumerate(_flat_outputs(output) if not isinstance(output, torch.Tensor) else [output]):
                name = key if i == 0 and isinstance(output, torch.Tensor) else f"{key}.{i}"
                outputs[f"trace:{name}"] = t.detach().clone()
                order.append(name)
        handles.append(sub.register_forward_hook(hook))
    return handles


def _loss(kind, output, target):
    if kind == "nll":
        return torch.nn.functional.nll_loss(output, target)
    if kind == "cross_entropy":
        return torch.nn.functional.cross_entropy(output, target)
    if kind == "mse":
        return torch.nn.functional.mse_loss(output, target)
    raise ValueError(f"unknown loss {kind!r}; choose nll, cross_entropy or mse")


def user_initial_state(args, tensors):
    """The PyTorch model's own freshly initialised state_dict (torch.manual_seed(args.seed))."""
    torch.manual_seed(int(args.get("seed", 0)))
    return {}, state_outputs(build(args))


def user_roundtrip(args, tensors):
    """Loads the TS state_dict with load_state_dict(strict=True) and returns PyTorch's state_dict."""
    model = build(args)
    try:
        model.load_state_dict(prefixed(tensors, "state."), strict=True)
    except RuntimeError as e:
        return {"loaded": False, "message": str(e)}, {}
    return {"loaded": True}, state_outputs(model)


def user_step(args, tensors, dtype):
    """
    One forward (eval mode unless args.train) with every submodule's output, the output(s), the loss against
    `target`, and backward from the outputs with the cotangents cotangent.<i>: grad.input and grad.<param>.
    """
    model = load_state(build(args), tensors, dtype)
    model.train(bool(args.get("train", False)))
    x = as_dtype(tensors["input"], dtype)
    if x.is_floating_point():
        x = x.clone().requires_grad_(True)
    outputs, order = {}, []
    handles = trace_hooks(model, outputs, order)
    try:
        with fed_noise(tensors, dtype):
            ys = _flat_outputs(model(x))
    finally:
        for h in handles:
            h.remove()
    for i, y in enumerate(ys):
        outputs[f"output.{i}"] = y.detach().clone()
    if "target" in tensors and args.get("loss"):
        outputs["loss"] = _loss(args["loss"], ys[0], as_dtype(tensors["target"], dtype)).detach().reshape(1)
    total = sum((y * as_dtype(tensors[f"cotangent.{i}"], dtype)).sum() for i, y in enumerate(ys))
    total.backward()
    if x.is_floating_point():
        outputs["grad.input"] = x.grad
    for name, p in model.named_parameters():
        outputs[f"grad.{name}"] = p.grad if p.grad is not None else torch.zeros_like(p)
    return {"order": order}, outputs


def user_dropout_scales(args, tensors, dtype):
    """For every dropout module: its training-mode output on ones (the kept value, 1/(1-p)), as dropout:<path>."""
    model = build(args).to(dtype)
    out = {}
    for path, sub in model.named_modules():
        if isinstance(sub, torch.nn.modules.dropout._DropoutNd):
            sub.train()
            torch.manual_seed(0)
            y = sub(torch.ones(4, 64, 2, 2, dtype=dtype))
            out[f"dropout:{path}"] = y.max().reshape(1)
    return {}, out


def user_train(args, tensors, dtype):
    """
    An N-step trajectory: inputs [N, ...], targets [N, ...], torch.optim.<kind>(lr, **options); returns every
    step's loss ("losses", [N]) and every parameter after each step ("trajectory.<name>", [N, *shape]).
    """
    model = load_state(build(args), tensors, dtype)
    model.train(bool(args.get("train", False)))
    spec = args["optimizer"]
    cls = getattr(torch.optim, spec["kind"], None)
    if not isinstance(cls, type):
        raise ValueError(f"unknown optimizer torch.optim.{spec['kind']}")
    opts = dict(spec.get("options", {}))
    if "betas" in opts:
        opts["betas"] = tuple(opts["betas"])
    opt = cls(model.parameters(), **opts)
    inputs = as_dtype(tensors["inputs"], dtype)
    targets = as_dtype(tensors["targets"], dtype)
    losses, history = [], {n: [] for n, _ in model.named_parameters()}
    for s in range(inputs.shape[0]):
        opt.zero_grad()
        with fed_noise({"noise": tensors[f"noise.{s}"]} if f"noise.{s}" in tensors else {}, dtype):
            y = _flat_outputs(model(inputs[s]))[0]
        loss = _loss(args["loss"], y, targets[s])
        loss.backward()
        opt.step()
        losses.append(loss.detach())
        for n, p in model.named_parameters():
            history[n].append(p.detach().clone())
    out = {"losses": torch.stack(losses)}
    out.update({f"trajectory.{n}": torch.stack(h) for n, h in history.items()})
    return {}, out


def load_checkpoint(args, tensors):
    """
    A PyTorch checkpoint as tensors, read with torch.load(weights_only=True) (never unpickling arbitrary
    objects). A dict holding "state_dict" or "model_state_dict" is unwrapped; non-tensor entries are listed.
    """
    path = args["path"]
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict):
        for key in ("state_dict", "model_state_dict", "model"):
            if key in state and isinstance(state[key], dict):
                state = state[key]
                break
    if not isinstance(state, dict):
        raise ValueError(f"{path}: expected a state_dict (a dict of tensors), got {type(state).__name__}")
    skipped = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    out = {}
    for k, v in state.items():
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu().contiguous()
            out[f"state.{k}"] = v.to(torch.float32) if v.dtype in (torch.float16, torch.bfloat16) else v
    return {"skipped": skipped, "keys": list(state.keys())}, out


USER_MODEL_FUNCTIONS = {
    "user_initial_state": user_initial_state,
    "user_roundtrip": user_roundtrip,
    "user_step": user_step,
    "user_dropout_scales": user_dropout_scales,
    "user_train": user_train,
    "load_checkpoint": load_checkpoint,
}
