"""Adaline (Widrow & Hoff, 1960): one linear unit trained by least mean squares.

The TypeScript mirror is src/models/adaline/model.ts; the state_dict keys are the same
(linear.weight [1, in_features], linear.bias [1]).
"""
import torch
from torch import nn


class Adaline(nn.Module):
    def __init__(self, in_features: int = 784):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(in_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.flatten(x))


def lms_loss(output: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean squared error against targets -1 / +1 (label 0 / 1)."""
    target = (labels.to(output.dtype) * 2 - 1).reshape(-1, 1)
    return nn.functional.mse_loss(output, target)


def predict(output: torch.Tensor) -> torch.Tensor:
    return (output.reshape(-1) > 0).long()
