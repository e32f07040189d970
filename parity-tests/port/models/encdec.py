# An encoder child that returns a tuple (destructured by the port), sampling, chunk and cat.
import torch
from torch import nn
import torch.nn.functional as F

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 8)
        self.mu = nn.Linear(8, 3)
        self.logvar = nn.Linear(8, 3)

    def forward(self, x):
        h = F.relu(self.fc(x))
        return self.mu(h), self.logvar(h)

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = nn.Linear(3, 10)

    def forward(self, x):
        mu, logvar = self.encoder(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        a, b = z.chunk(2, dim=0)
        return self.decoder(torch.cat([b, a], 0)), mu, logvar
