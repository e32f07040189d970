"""
The Python end of twinml's bridge (src/bridge). pythonia imports this module and calls `dispatch` for every
request; small arguments and results travel as JSON strings, tensors as safetensors files (raw bytes).

`setup` is called once: it sends this process's stderr to a log file the TS side reads when the process dies,
and starts a watchdog that exits when the Node parent is gone (no orphan Python after a crash or SIGKILL).
"""
import faulthandler
import json
import os
import sys
import threading
import time
import traceback

import torch

from .tensors import DTYPES, load_tensors, save_tensors
from .reference import functions

_log_file = None


def _watch_parent(parent_pid, interval):
    while True:
        time.sleep(interval)
        if os.getppid() != parent_pid:
            os._exit(1)


def setup(stderr_log, parent_pid, threads):
    """Redirects fd 2 to `stderr_log`, starts the parent watchdog, limits torch to `threads` threads."""
    global _log_file
    _log_file = open(stderr_log, "a", buffering=1)
    os.dup2(_log_file.fileno(), 2)
    sys.stderr = _log_file
    faulthandler.enable(_log_file)
    threading.Thread(target=_watch_parent, args=(int(parent_pid), 0.2), daemon=True).start()
    if threads:
        torch.set_num_threads(int(threads))
    return json.dumps(versions())


def versions():
    import numpy
    import safetensors

    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "safetensors": safetensors.__version__,
        "executable": sys.executable,
        "pid": os.getpid(),
        "threads": torch.get_num_threads(),
    }


def _run(fn, args, tensors):
    dtypes = args.pop("dtypes", None)
    if not dtypes:
        return fn(args, tensors)
    result, outputs = {}, {}
    for name in dtypes:
        r, outs = fn(dict(args), tensors, DTYPES[name])
        result[name] = r
        for key, value in outs.items():
            outputs[f"{name}/{key}"] = value
    return result, outputs


def dispatch(name, args_json, in_path, out_path):
    """
    Runs reference function `name`. Returns JSON {"result": ..., "tensors": [names]} or {"error": message}.
    With args["dtypes"] = ["float64", "float32"] the function runs once per dtype and output tensor names get a
    "float64/" or "float32/" prefix.
    """
    fn = functions.REGISTRY.get(name)
    if fn is None:
        return json.dumps({"error": f"unknown bridge function {name!r}; known: {', '.join(sorted(functions.REGISTRY))}"})
    try:
        args = json.loads(args_json)
        t0 = time.monotonic_ns()
        tensors = load_tensors(in_path)
        t1 = time.monotonic_ns()
        result, outputs = _run(fn, args, tensors)
        t2 = time.monotonic_ns()
        if outputs:
            save_tensors(out_path, outputs)
        return json.dumps(
            {
                "result": result,
                "tensors": list(outputs.keys()),
                "timing": {"loadStartNs": t0, "loadedNs": t1, "saveStartNs": t2},
            }
        )
    except Exception as e:  # reported to TS as a rejected call with the traceback
        return json.dumps({"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})


def echo_json(values):
    """pythonia's plain JSON path, for the bridge benchmark: a list of numbers in, the same list out."""
    return list(values)
