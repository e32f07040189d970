"""A multi-layer perceptron for flattened images: 784 -> 256 -> 128 -> 10 by default.

The TypeScript mirror is src/models/mlp/model.ts; the state_dict keys are the same
(net.1.weight, net.1.bias, net.3.weight, ...).
"""
from typing import Sequence

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, in_features: int = 784, hidden: Sequence[int] = (256, 128), num_classes: int = 10, dropout: float = 0.0):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        previous = in_features
        for width in hidden:
            layers += [nn.Linear(previous, width), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            previous = width
        layers.append(nn.Linear(previous, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
