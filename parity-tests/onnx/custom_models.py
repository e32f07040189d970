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


class VisionNet(nn.Module):
    """Mirrors test/onnx/vision-fixtures.ts: VisionNet (every vision module of src/nn, awkward geometry)."""

    def __init__(self, adaptive=(3, 2), divisor_override=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1),
            nn.BatchNorm2d(8),
            nn.LeakyReLU(0.1),
            nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4),
            nn.GELU(approximate="tanh"),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Dropout2d(0.25),
            nn.AvgPool2d(2, stride=1, padding=1, ceil_mode=True),
            nn.Conv2d(8, 6, 1, bias=False),
            nn.BatchNorm2d(6, affine=False, eps=1e-3),
            nn.GELU(),
        )
        self.uneven = nn.AdaptiveAvgPool2d(tuple(adaptive))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.exclusive = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.override = nn.AvgPool2d(2, divisor_override=divisor_override)
        self.flatten = nn.Flatten()
        self.head = nn.Linear(6 * adaptive[0] * adaptive[1] + 6 + 24 + 24, 5)
        self.log_softmax = nn.LogSoftmax(1)
        self.softmax = nn.Softmax(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)
        parts = [self.flatten(pool(f)) for pool in (self.uneven, self.gap, self.exclusive, self.override)]
        z = self.head(torch.cat(parts, 1))
        return torch.cat([self.log_softmax(z), self.softmax(z)], 1)
