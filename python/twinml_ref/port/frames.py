"""Python source positions for `twinml port`: the user's frames on the stack or in a traceback, each as the statement it is in."""
import ast
import linecache
import os
import sys
import traceback

import torch

_TORCH_DIR = os.path.dirname(torch.__file__)
_HERE = os.path.dirname(os.path.abspath(__file__))


_statements = {}


def _statement_at(path, line):
    """(first line, source text on one line) of the innermost simple statement of `path` that spans `line`."""
    if path not in _statements:
        try:
            with open(path, encoding="utf-8") as fh:
                source = fh.read()
            tree = ast.parse(source)
            spans = [(n.lineno, n.end_lineno or n.lineno, " ".join((ast.get_source_segment(source, n) or "").split())) for n in ast.walk(tree) if isinstance(n, ast.stmt) and not isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With, ast.Try, ast.AsyncFunctionDef))]
        except (OSError, SyntaxError):
            spans = []
        _statements[path] = spans
    best = None
    for start, end, code in _statements[path]:
        if start <= line <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end, code)
    return (best[0], best[2]) if best else (line, linecache.getline(path, line).strip())


def _frame(path, line, function):
    start, code = _statement_at(path, line)
    return {"file": path, "line": start, "function": function, "code": code}


def _user_frames(executions=None):
    """
    The stack's frames inside the tracer, outside torch and this package, outermost first: (file, statement line,
    function, statement, exec). `exec` counts the executions of that statement in that frame (a loop runs it again:
    the bytecode offset went back), so unrolled loop iterations stay separate statements.
    """
    frames = []
    f = sys._getframe(1)
    while f is not None:
        frames.append(f)
        f = f.f_back
    frames.reverse()
    start = next((i for i, fr in enumerate(frames) if os.path.abspath(fr.f_code.co_filename).startswith(_TORCH_DIR)), len(frames))
    out = []
    for fr in frames[start:]:
        name = fr.f_code.co_filename
        path = os.path.abspath(name)
        if path.startswith(_TORCH_DIR) or path.startswith(_HERE) or "<" in name:
            continue
        d = _frame(path, fr.f_lineno, fr.f_code.co_name)
        if executions is not None:
            key = (id(fr), d["line"])
            last, count = executions.get(key, (-1, 0))
            if fr.f_lasti < last:
                count += 1
            executions[key] = (fr.f_lasti, count)
            d["exec"] = count
        out.append(d)
    return out


def _frames_of(exc):
    """The user's frames of a tracing error (after the tracer was entered, outside torch and this package)."""
    tb = traceback.extract_tb(exc.__traceback__)
    start = next((i for i, f in enumerate(tb) if os.path.abspath(f.filename).startswith(_TORCH_DIR)), len(tb))
    out = []
    for f in tb[start:]:
        path = os.path.abspath(f.filename)
        if path.startswith(_TORCH_DIR) or path.startswith(_HERE) or "<" in f.filename:
            continue
        out.append(_frame(path, f.lineno, f.name))
    return out
