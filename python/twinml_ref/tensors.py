"""Tensors across the bridge: safetensors files (raw little-endian bytes), never JSON number lists."""
import torch
from safetensors.torch import load_file, save_file

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def load_tensors(path):
    """Reads a safetensors file written by the TS side (empty path: no tensors)."""
    if not path:
        return {}
    return load_file(path)


def save_tensors(path, tensors):
    """Writes name -> tensor as safetensors (contiguous, detached, on CPU)."""
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, path)


def as_dtype(t, dtype):
    """Floating tensors become `dtype`; integer tensors (targets, counters) are kept."""
    return t.to(dtype) if t.is_floating_point() else t
