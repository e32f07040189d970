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

_threads = None
_functions = None


def _lookup(name):
    """A registered function; torch is imported only when the first non-diagnostic function is called."""
    from .reference.diagnostics import DIAGNOSTICS

    if name in DIAGNOSTICS:
        return DIAGNOSTICS[name], DIAGNOSTICS
    return _registry().get(name), _registry()


def _registry():
    global _functions
    if _functions is None:
        import torch

        from .reference import functions

        if _threads:
            torch.set_num_threads(_threads)
        _functions = functions.REGISTRY
    return _functions

_log_file = None
_arenas = {}


def _arena(path):
    from .tensors import Arena  # imports torch

    if path not in _arenas:
        _arenas[path] = Arena(path)
    return _arenas[path]


def _watch_parent(parent_pid, interval):
    while True:
        time.sleep(interval)
        if os.getppid() != parent_pid:
            os._exit(1)


def setup(stderr_log, parent_pid, threads):
    """Redirects fd 2 to `stderr_log`, starts the parent watchdog, limits torch to `threads` threads."""
    global _log_file, _threads
    _log_file = open(stderr_log, "a", buffering=1)
    os.dup2(_log_file.fileno(), 2)
    sys.stderr = _log_file
    faulthandler.enable(_log_file)
    threading.Thread(target=_watch_parent, args=(int(parent_pid), 0.2), daemon=True).start()
    _threads = int(threads) if threads else None
    return json.dumps({"python": sys.version.split()[0], "executable": sys.executable, "pid": os.getpid()})


def _run(fn, args, tensors):
    dtypes = args.pop("dtypes", None)
    if not dtypes:
        return fn(args, tensors)
    from .tensors import DTYPES

    result, outputs = {}, {}
    for name in dtypes:
        r, outs = fn(dict(args), tensors, DTYPES[name])
        result[name] = r
        for key, value in outs.items():
            outputs[f"{name}/{key}"] = value
    return result, outputs


def dispatch(name, args_json, transfer_json):
    """
    Runs reference function `name`. `transfer_json` = {"arena": path, "inLength": n, "outOffset": m}: the inputs
    are the safetensors image at [0, n) of the shared transfer file; outputs are written at m. Returns JSON
    {"result": ..., "tensors": [names], "outLength": bytes, "timing": {...}} or {"error": message}.
    With args["dtypes"] = ["float64", "float32"] the function runs once per dtype and output tensor names get a
    "float64/" or "float32/" prefix.
    """
    try:
        fn, registry = _lookup(name)
        if fn is None:
            return json.dumps({"error": f"unknown bridge function {name!r}; known: {', '.join(sorted(registry))}"})
        args = json.loads(args_json)
        transfer = json.loads(transfer_json)
        t0 = time.monotonic_ns()
        tensors = _arena(transfer["arena"]).read(0, transfer["inLength"]) if transfer["inLength"] else {}
        t1 = time.monotonic_ns()
        result, outputs = _run(fn, args, tensors)
        t2 = time.monotonic_ns()
        out_length = _arena(transfer["arena"]).write(transfer["outOffset"], outputs) if outputs else 0
        t3 = time.monotonic_ns()
        return json.dumps(
            {
                "result": result,
                "tensors": list(outputs.keys()),
                "outLength": out_length,
                "timing": {"loadStartNs": t0, "loadedNs": t1, "saveStartNs": t2, "savedNs": t3},
            }
        )
    except Exception as e:  # reported to TS as a rejected call with the traceback
        return json.dumps({"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})


def echo_json(values):
    """pythonia's plain JSON path, for the bridge benchmark: a list of numbers in, the same list out."""
    return list(values)
