"""torch.nn.functional ops: output and input gradient (with a cotangent) of F.<op>(input, *extra, **kwargs)."""
import torch
import torch.nn.functional as F

from ..tensors import as_dtype

OPS = {
    "gelu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "pad", "one_hot", "dropout",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
}
# Transposed convolution and upsampling (issue 16).
OPS |= {"conv_transpose2d", "interpolate", "pixel_shuffle", "pixel_unshuffle"}


def functional_step(args, tensors, dtype):
    """
    args: op, kwargs, extra (names of tensors passed positionally after the input), tensor_kwargs (names of
    tensors passed as keyword arguments), grad (default true); tensors: input, cotangent, and the named ones.
    Returns output and (when differentiable) grad.input = d <output, cotangent> / d input.
    """
    op = args["op"]
    if op not in OPS:
        raise ValueError(f"unknown functional op {op!r}; choose one of {', '.join(sorted(OPS))}")
    kwargs = dict(args.get("kwargs", {}))
    for name in args.get("tensor_kwargs", []):
        kwargs[name] = as_dtype(tensors[name], dtype)
    extra = [as_dtype(tensors[name], dtype) for name in args.get("extra", [])]
    grad = args.get("grad", True)
    x = as_dtype(tensors["input"], dtype)
    if grad:
        x = x.clone().requires_grad_(True)
    out = getattr(F, op)(x, *extra, **kwargs)
    result = {"output": out.detach()}
    if grad:
        out.backward(as_dtype(tensors["cotangent"], dtype))
        result["grad.input"] = x.grad
    return {}, result
