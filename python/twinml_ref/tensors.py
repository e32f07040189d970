"""
Tensors across the bridge: safetensors files (raw little-endian bytes), never JSON number lists.
The reader and writer here produce and accept the standard safetensors layout (8-byte header length, JSON
header, raw data) with one read and one write per file and no intermediate copies, for the bridge's speed.
"""
import json
import mmap
import os
import struct

import numpy as np
import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}
_CODES = {
    "F32": torch.float32,
    "F64": torch.float64,
    "I64": torch.int64,
    "I32": torch.int32,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _CODES.items()}


def parse_tensors(data, base, source):
    """Tensors of a safetensors image starting at `base` in a writable buffer (views where aligned)."""
    (n,) = struct.unpack_from("<Q", data, base)
    header = json.loads(bytes(data[base + 8 : base + 8 + n]))
    start = base + 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _CODES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{source}: tensor {name} has unsupported dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"], dtype=np.int64)) if entry["shape"] else 1
        if end - begin == 0:
            t = torch.empty(entry["shape"], dtype=dtype)
        elif (start + begin) % torch.empty(0, dtype=dtype).element_size() != 0:  # unaligned: copy
            t = torch.frombuffer(bytearray(data[start + begin : start + end]), dtype=dtype, count=count).reshape(entry["shape"])
        else:
            t = torch.frombuffer(data, dtype=dtype, count=count, offset=start + begin).reshape(entry["shape"])
        out[name] = t
    return out


def load_tensors(path):
    """Reads a safetensors file (empty path: no tensors)."""
    if not path:
        return {}
    with open(path, "rb") as f:
        data = bytearray(f.read())
    return parse_tensors(data, 0, path)


def _layout(tensors):
    """(header bytes, numpy arrays, total size) of tensors in safetensors layout."""
    arrays, header, offset = [], {}, 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype not in _NAMES:
            raise ValueError(f"cannot send tensor {name} of dtype {t.dtype}")
        a = t.numpy() if t.dtype != torch.bool else t.to(torch.uint8).numpy()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    head = struct.pack("<Q", len(head)) + head
    return head, arrays, len(head) + offset


def save_tensors(path, tensors):
    """Writes name -> tensor as a safetensors file, streaming each tensor's bytes."""
    head, arrays, _ = _layout(tensors)
    with open(path, "wb") as f:
        f.write(head)
        for a in arrays:
            f.write(memoryview(a).cast("B"))


def as_dtype(t, dtype):
    """Floating tensors become `dtype`; integer tensors (targets, counters) are kept."""
    return t.to(dtype) if t.is_floating_point() else t


class Arena:
    """
    The bridge's shared-memory transfer area: one file on /dev/shm, mapped once and reused, so a transfer is
    a single copy into pages that already exist. Inputs are read as zero-copy views; outputs are written after
    the input region (so an output that aliases an input is never overwritten while it is copied).
    """

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.mm = None

    def buffer(self, size):
        """A writable map of at least `size` bytes (the file grows as needed; old maps stay valid)."""
        if os.fstat(self.fd).st_size < size:
            os.ftruncate(self.fd, size)
        if self.mm is None or len(self.mm) < size:
            self.mm = mmap.mmap(self.fd, os.fstat(self.fd).st_size)
        return self.mm

    def read(self, offset, length):
        """The tensors the TS side wrote at [offset, offset + length) (views into the map)."""
        return parse_tensors(self.buffer(offset + length), offset, self.path)

    def write(self, offset, tensors):
        """Writes `tensors` at `offset` in safetensors layout; returns the number of bytes written."""
        head, arrays, total = _layout(tensors)
        mm = self.buffer(offset + total)
        mm[offset : offset + len(head)] = head
        pos = offset + len(head)
        for a in arrays:
            n = a.nbytes
            mm[pos : pos + n] = memoryview(a).cast("B")
            pos += n
        return total
