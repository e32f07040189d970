"""twinml_ref: the PyTorch originals of twinml's zoo models and the reference functions the bridge calls."""
