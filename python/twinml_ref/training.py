"""The usual PyTorch training loop, run for a fixed list of batches (the parity trajectory)."""
import torch
from torch import nn


def sign_loss(output, labels):
    """Adaline's LMS rule: MSE of the score [N, 1] against -1 / +1 for labels 0 / 1."""
    target = (labels.to(output.dtype) * 2 - 1).reshape(-1, 1)
    return nn.functional.mse_loss(output, target)


def loss_for_head(head):
    """'softmax' heads train with CrossEntropyLoss on class indices, 'sign' heads with MSE to -1/+1 labels."""
    if head == "softmax":
        return nn.CrossEntropyLoss()
    if head == "sign":
        return sign_loss
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
