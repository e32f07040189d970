"""PyTorch mirrors of the test-only custom modules in test/onnx/fixtures.ts (same state_dict keys, same forward)."""
import math

import torch
from torch import nn


class ResidualConcat(nn.Module):
    """Mirrors test/onnx/fixtures.ts: ResidualConcat (GELU written out, residual, concat, reshape, matmul, mean, sum)."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.stem = nn.Linear(3 * 5 * 4, 12)
        self.block = nn.Sequential(nn.Linear(12, 12), nn.Tanh(), nn.Dropout(0.3))
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(self.flatten(x))
        h = s * 0.5 * (1 + torch.erf(s / math.sqrt(2)))
        r = h + self.block(h)
        c = torch.cat([r, self.gate(h) * 0.5], 1)
        t = c.reshape(-1, 4, 6).transpose(1, 2)
        m = t @ torch.ones(4, 3, dtype=x.dtype)
        return m.mean(1, keepdim=True) - torch.relu(m.sum(2, keepdim=True))
