"""The usual PyTorch training loop, run for a fixed list of batches (the parity trajectory)."""
import torch
from torch import nn


def loss_for_head(head):
    """'softmax' heads train with CrossEntropyLoss on class indices, 'sign' heads with MSELoss to +-1."""
    if head == "softmax":
        return nn.CrossEntropyLoss()
    if head == "sign":
        return nn.MSELoss()
    raise ValueError(f"unknown head {head!r}; choose softmax or sign")


def train_steps(model, optimizer, loss_fn, inputs, targets):
    """One optimizer step per batch (inputs[i], targets[i]); returns the loss of every step (before its update)."""
    model.train()
    losses = []
    for x, y in zip(inputs, targets):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses)
