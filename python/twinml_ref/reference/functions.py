"""The registry of functions the bridge can call by name (see bridge_server.dispatch); imports torch."""
from .losses import loss_step
from .models import initial_state, model_step, model_trace, model_train, state_dict_file_roundtrip, state_dict_roundtrip
from .modules import layer_step
from .optim import optimizer_steps, scheduler_lrs
from .diagnostics import DIAGNOSTICS
from .user_models import USER_MODEL_FUNCTIONS


REGISTRY = {
    **DIAGNOSTICS,
    "layer_step": layer_step,
    "loss_step": loss_step,
    "optimizer_steps": optimizer_steps,
    "scheduler_lrs": scheduler_lrs,
    "model_step": model_step,
    "model_train": model_train,
    "model_trace": model_trace,
    "state_dict_roundtrip": state_dict_roundtrip,
    "state_dict_file_roundtrip": state_dict_file_roundtrip,
    "initial_state": initial_state,
    **USER_MODEL_FUNCTIONS,
}
