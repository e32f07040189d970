# One block class used at several widths (its constructor arguments differ per instance), registered in a
# ModuleList and run in a loop, plus an own learnable scale (nn.Parameter) and a buffer.
import torch
from torch import nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, slope=0.1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm = nn.BatchNorm2d(out_channels)
        self.slope = slope

    def forward(self, x):
        return F.leaky_relu(self.norm(self.conv(x)), self.slope)


class Blocks(nn.Module):
    def __init__(self, widths=(3, 6, 12), num_classes=4):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.register_buffer("offset", torch.full((1,), 0.5))
        self.blocks = nn.ModuleList([ConvBlock(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.head = nn.Linear(widths[-1], num_classes)

    def forward(self, x):
        x = x * self.scale - self.offset
        for block in self.blocks:
            x = F.max_pool2d(block(x), 2)
        x = x.mean(dim=(2, 3))
        return self.head(x)
