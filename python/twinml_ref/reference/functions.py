"""The registry of functions the bridge can call by name (see bridge_server.dispatch); imports torch."""
from .losses import loss_step
from .functional import functional_step
from .gpt import gpt_step, gpt_train
from .models import initial_state, model_step, model_trace, model_train, state_dict_file_roundtrip, state_dict_roundtrip
from .modules import layer_step, module_hyperparameters
from .sequence import sequence_step
from .optim import optimizer_defaults, optimizer_steps, scheduler_defaults, scheduler_lrs
from .tied import tied_step, tied_train
from .diagnostics import DIAGNOSTICS
from .user_models import USER_MODEL_FUNCTIONS
from ..port import PORT_FUNCTIONS


REGISTRY = {
    **DIAGNOSTICS,
    "layer_step": layer_step,
    "sequence_step": sequence_step,
    "module_hyperparameters": module_hyperparameters,
    "loss_step": loss_step,
    "functional_step": functional_step,
    "optimizer_steps": optimizer_steps,
    "scheduler_lrs": scheduler_lrs,
    "optimizer_defaults": optimizer_defaults,
    "scheduler_defaults": scheduler_defaults,
    "model_step": model_step,
    "model_train": model_train,
    "model_trace": model_trace,
    "gpt_step": gpt_step,
    "gpt_train": gpt_train,
    "state_dict_roundtrip": state_dict_roundtrip,
    "state_dict_file_roundtrip": state_dict_file_roundtrip,
    "initial_state": initial_state,
    "tied_step": tied_step,
    "tied_train": tied_train,
    **USER_MODEL_FUNCTIONS,
    **PORT_FUNCTIONS,
}
