# A model port cannot translate completely: an op twinml lacks, control flow on a tensor value, an in-place trick.
import torch
from torch import nn


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.norm = nn.GroupNorm(2, 6)

    def forward(self, x):
        h = self.fc(x)
        g = torch.einsum("bi,bi->bi", h, x)
        h = self.norm(g)
        h.clamp_(min=0.0)
        return h


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        h = self.fc(x)
        if h.sum() > 0:
            h = h * 2
        return h


class Aliased(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        h = self.fc(x)
        out = h
        out += x
        return out + h


class NoisyTrain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        h = self.fc(x)
        if self.training:
            h = h + 0.1 * torch.randn_like(h)
        return h
