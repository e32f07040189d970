"""The three-convolution image classifier: per width in `channels` a block
Conv2d(3x3, padding=1) [+ BatchNorm2d] + ReLU + MaxPool2d(2), then Flatten [+ Dropout] + Linear.

The TypeScript mirror is src/models/cnn/model.ts; the state_dict keys are the same
(features.0.weight, features.0.bias, features.3.weight, ..., classifier.1.weight).
"""
from typing import Sequence, Tuple

import torch
from torch import nn


class CNN(nn.Module):
    def __init__(
        self,
        in_channels: int = 1,
        image_size: Tuple[int, int] = (28, 28),
        channels: Sequence[int] = (16, 32, 64),
        num_classes: int = 10,
        batch_norm: bool = False,
        dropout: float = 0.0,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        h, w = image_size
        for width in channels:
            layers.append(nn.Conv2d(c, width, 3, padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers += [nn.ReLU(), nn.MaxPool2d(2)]
            c = width
            h, w = h // 2, w // 2
        self.features = nn.Sequential(*layers)
        head: list[nn.Module] = [nn.Flatten()]
        if dropout > 0:
            head.append(nn.Dropout(dropout))
        head.append(nn.Linear(c * h * w, num_classes))
        self.classifier = nn.Sequential(*head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
