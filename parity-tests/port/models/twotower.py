# A two-branch classifier in the style of common tutorials: x.view, x.size(0), F.dropout(training=self.training),
# torch.cat, a ModuleList run in a loop, a ModuleDict head, nn.Flatten.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TwoTower(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=5, stride=2)
        self.pool = nn.MaxPool2d(2)
        self.towers = nn.ModuleList([nn.Linear(144, 12), nn.Linear(12, 12)])
        self.side = nn.Sequential(nn.AvgPool2d(2), nn.Flatten(), nn.Linear(14 * 14, 6), nn.Tanh())
        self.heads = nn.ModuleDict({"cls": nn.Linear(18, num_classes)})

    def forward(self, x):
        n = x.size(0)
        h = self.pool(F.relu(self.conv(x)))
        h = h.view(n, -1)
        for layer in self.towers:
            h = F.leaky_relu(layer(h), 0.1)
        h = F.dropout(h, p=0.3, training=self.training)
        s = self.side(x)
        both = torch.cat([h, s], dim=1)
        return F.log_softmax(self.heads["cls"](both), dim=1)
