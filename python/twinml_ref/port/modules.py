"""The constructor arguments of torch.nn modules, read back from their attributes (PyTorch's names)."""
import torch
from torch import nn


def _tuple(v):
    return list(v) if isinstance(v, (tuple, list)) else v


def _ctor_args(m):
    """{argument: value} for a known torch.nn module type, or None when the type is not known here."""
    if isinstance(m, nn.Linear):
        return {"in_features": m.in_features, "out_features": m.out_features, "bias": m.bias is not None}
    if isinstance(m, nn.Conv2d):
        return {
            "in_channels": m.in_channels,
            "out_channels": m.out_channels,
            "kernel_size": _tuple(m.kernel_size),
            "stride": _tuple(m.stride),
            "padding": m.padding if isinstance(m.padding, str) else _tuple(m.padding),
            "dilation": _tuple(m.dilation),
            "groups": m.groups,
            "bias": m.bias is not None,
            "padding_mode": m.padding_mode,
        }
    if isinstance(m, nn.BatchNorm2d):
        return {
            "num_features": m.num_features,
            "eps": m.eps,
            "momentum": m.momentum,
            "affine": m.affine,
            "track_running_stats": m.track_running_stats,
        }
    if isinstance(m, (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout)):
        return {"p": m.p, "inplace": m.inplace}
    if isinstance(m, (nn.MaxPool2d, nn.MaxPool1d, nn.MaxPool3d)):
        return {
            "kernel_size": _tuple(m.kernel_size),
            "stride": _tuple(m.stride),
            "padding": _tuple(m.padding),
            "dilation": _tuple(m.dilation),
            "return_indices": m.return_indices,
            "ceil_mode": m.ceil_mode,
        }
    if isinstance(m, (nn.AvgPool2d,)):
        return {
            "kernel_size": _tuple(m.kernel_size),
            "stride": _tuple(m.stride),
            "padding": _tuple(m.padding),
            "ceil_mode": m.ceil_mode,
            "count_include_pad": m.count_include_pad,
            "divisor_override": m.divisor_override,
        }
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return {"output_size": _tuple(m.output_size)}
    if isinstance(m, nn.Flatten):
        return {"start_dim": m.start_dim, "end_dim": m.end_dim}
    if isinstance(m, (nn.ReLU, nn.ReLU6, nn.SELU, nn.CELU, nn.ELU, nn.Hardtanh, nn.SiLU, nn.Hardswish, nn.Mish)):
        out = {"inplace": bool(getattr(m, "inplace", False))}
        for k in ("alpha", "min_val", "max_val"):
            if hasattr(m, k):
                out[k] = getattr(m, k)
        return out
    if isinstance(m, nn.LeakyReLU):
        return {"negative_slope": m.negative_slope, "inplace": m.inplace}
    if isinstance(m, nn.GELU):
        return {"approximate": m.approximate}
    if isinstance(m, (nn.Softmax, nn.LogSoftmax)):
        return {"dim": m.dim}
    if isinstance(m, (nn.Sigmoid, nn.Tanh, nn.Identity)):
        return {}
    if isinstance(m, nn.Embedding):
        return {
            "num_embeddings": m.num_embeddings,
            "embedding_dim": m.embedding_dim,
            "padding_idx": m.padding_idx,
            "max_norm": m.max_norm,
            "scale_grad_by_freq": m.scale_grad_by_freq,
            "sparse": m.sparse,
        }
    if isinstance(m, nn.LayerNorm):
        return {"normalized_shape": list(m.normalized_shape), "eps": m.eps, "elementwise_affine": m.elementwise_affine, "bias": getattr(m, "bias", None) is not None}
    return None


def describe_torch_module(m):
    """{"kind": "torch", "type": "Conv2d", "args": {...}} (args None: a type port cannot read)."""
    return {"kind": "torch", "type": type(m).__name__, "qualname": f"{type(m).__module__}.{type(m).__qualname__}", "args": _ctor_args(m)}


def is_user_module(m):
    """A module whose class the user wrote (not torch's own)."""
    return not type(m).__module__.startswith("torch.")


CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def _constant(t):
    """The single value of a tensor whose elements are all equal (its initialisation is then known), else None."""
    if t.numel() == 0:
        return None
    flat = t.detach().reshape(-1)
    first = flat[0].item()
    return first if bool((flat == flat[0]).all()) else None


def own_tensors(m):
    """Parameters and buffers registered directly on `m` (not on its children), in registration order."""
    out = []
    for name, p in m._parameters.items():
        if p is not None:
            out.append({"name": name, "kind": "parameter", "shape": list(p.shape), "dtype": str(p.dtype).replace("torch.", ""), "constant": _constant(p)})
    for name, b in m._buffers.items():
        if b is not None:
            out.append({"name": name, "kind": "buffer", "shape": list(b.shape), "dtype": str(b.dtype).replace("torch.", ""), "persistent": name not in m._non_persistent_buffers_set, "constant": _constant(b)})
    return out


def describe_child(m, user_ref):
    """A child module: a container (with its entries), a user class (by reference) or a torch.nn module."""
    if isinstance(m, nn.Sequential):
        return {"kind": "Sequential", "items": [[k, describe_child(v, user_ref)] for k, v in m._modules.items()]}
    if isinstance(m, nn.ModuleList):
        return {"kind": "ModuleList", "items": [[k, describe_child(v, user_ref)] for k, v in m._modules.items()]}
    if isinstance(m, nn.ModuleDict):
        return {"kind": "ModuleDict", "items": [[k, describe_child(v, user_ref)] for k, v in m._modules.items()]}
    if is_user_module(m):
        return user_ref(m)
    d = describe_torch_module(m)
    if isinstance(m, torch.nn.Module) and d["args"] is None and len(m._modules) > 0:
        d["note"] = "a torch.nn module with children"
    return d
