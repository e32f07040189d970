"""The PyTorch originals of the twinml model zoo (one module per model)."""
