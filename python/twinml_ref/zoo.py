"""
Builds a zoo model's PyTorch original from the TS zoo's name and config (camelCase keys, as twinml's
`resolveConfig` returns them): twinml_ref.models.<name> must define an nn.Module class whose lower-cased name is
the zoo name (Adaline, MLP, BirdCNN -> 'cnn' via the MODEL_CLASS override) and takes the config as snake_case
keyword arguments, or a `from_config(config: dict)` function.
"""
import importlib
import inspect
import re

from torch import nn

# Zoo names whose class name differs from the name.
MODEL_CLASS = {}


def snake_case(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def model_class(name):
    try:
        module = importlib.import_module(f"twinml_ref.models.{name}")
    except ModuleNotFoundError as e:
        raise ValueError(f"no PyTorch original for zoo model {name!r}: python/twinml_ref/models/{name}.py ({e})")
    if hasattr(module, "from_config"):
        return module.from_config
    wanted = MODEL_CLASS.get(name, name).lower()
    classes = [c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, nn.Module) and c.__module__ == module.__name__]
    for cls in classes:
        if cls.__name__.lower() == wanted:
            return lambda config: cls(**{snake_case(k): v for k, v in config.items()})
    raise ValueError(f"python/twinml_ref/models/{name}.py defines no nn.Module named {wanted!r} (found {[c.__name__ for c in classes]})")


def build_model(name, config):
    """The PyTorch original of zoo model `name` built from `config`."""
    return model_class(name)(dict(config))
