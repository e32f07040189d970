"""Bridge diagnostics (round trips, timeouts, crashes, versions); importing this module does not import torch."""
import os
import signal
import sys
import time


def echo(args, tensors):
    """Returns the tensors it was given (the bridge benchmark and transfer tests)."""
    return {"names": list(tensors.keys())}, dict(tensors)


def versions(args, tensors):
    """Versions of the reference stack in this process."""
    import numpy
    import safetensors
    import torch

    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "safetensors": safetensors.__version__,
        "threads": torch.get_num_threads(),
    }, {}


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


DIAGNOSTICS = {"echo": echo, "ping": ping, "versions": versions, "sleep": sleep, "crash": crash}
