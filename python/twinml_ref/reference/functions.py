"""The registry of functions the bridge can call by name (see bridge_server.dispatch)."""
import os
import signal
import sys
import time

from .losses import loss_step
from .models import initial_state, model_step, model_trace, model_train, state_dict_roundtrip
from .modules import layer_step
from .optim import optimizer_steps, scheduler_lrs


def echo(args, tensors):
    """Returns the tensors it was given (the bridge benchmark and transfer tests)."""
    return {"names": list(tensors.keys())}, dict(tensors)


def ping(args, tensors):
    """The smallest round trip."""
    return args.get("value"), {}


def sleep(args, tensors):
    """Sleeps args.seconds (tests of the per-call timeout)."""
    time.sleep(float(args["seconds"]))
    return {}, {}


def crash(args, tensors):
    """Dies mid-call after writing a message to stderr (tests that a dead Python rejects the call quickly)."""
    sys.stderr.write(str(args.get("message", "twinml bridge: deliberate crash")) + "\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


REGISTRY = {
    "echo": echo,
    "ping": ping,
    "sleep": sleep,
    "crash": crash,
    "layer_step": layer_step,
    "loss_step": loss_step,
    "optimizer_steps": optimizer_steps,
    "scheduler_lrs": scheduler_lrs,
    "model_step": model_step,
    "model_train": model_train,
    "model_trace": model_trace,
    "state_dict_roundtrip": state_dict_roundtrip,
    "initial_state": initial_state,
}
