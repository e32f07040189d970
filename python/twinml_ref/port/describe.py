"""
Describes a user's PyTorch model for `twinml port` (src/port): every user-defined nn.Module class with, per
instance, its children (torch.nn modules with the constructor arguments read from their attributes, containers,
references to other user classes), its own parameters and buffers, and its forward as a torch.fx graph whose
nodes carry the Python source lines that produced them. Nothing here decides what twinml supports: the TS side
does, so that every gap is reported by one table.
"""
import ast
import functools
import inspect
import linecache
import math
import operator
import os

import torch
from torch import fx

from ..reference.user_models import construct, load_class
from .frames import _frame, _frames_of
from .modules import describe_child, is_user_module, own_tensors
from .tracer import ByMode, _PortTracer, _UNKNOWN, _none_defaults, eval_differences



def _json_value(v):
    """A JSON-safe value; anything else is {"repr": ...} so the TS side can name it."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return {"float": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
    if isinstance(v, (list, tuple)) and all(_is_plain(x) for x in v):
        return [_json_value(x) for x in v]
    return {"repr": repr(v)}


def _is_plain(v):
    return v is None or isinstance(v, (bool, int, float, str)) or (isinstance(v, (list, tuple)) and all(_is_plain(x) for x in v))


def _record_init_arguments(classes):
    """Wraps each class's __init__ so every instance remembers its bound constructor arguments; returns an undo."""
    originals = {}
    for cls in classes:
        original = cls.__dict__.get("__init__")
        if original is None:
            continue
        signature = inspect.signature(original)

        @functools.wraps(original)
        def wrapped(self, *a, __original=original, __signature=signature, **kw):
            try:
                bound = __signature.bind(self, *a, **kw)
                bound.apply_defaults()
                values = {k: v for k, v in list(bound.arguments.items())[1:]}
            except TypeError:
                values = {}
            __original(self, *a, **kw)
            object.__setattr__(self, "_twinml_port_init", values)

        originals[cls] = original
        cls.__init__ = wrapped
    def undo():
        for cls, original in originals.items():
            cls.__init__ = original
    return undo


def _callable_name(fn):
    """torch.nn.functional.relu -> F.relu, torch.flatten -> torch.flatten, operator.add -> operator.add."""
    if isinstance(fn, str):
        return fn
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__name__", repr(fn))
    if fn is getattr(torch.nn.functional, name, None):
        return f"F.{name}"
    if fn is getattr(torch, name, None):
        return f"torch.{name}"
    if fn is getattr(operator, name, None):
        return f"operator.{name}"
    if module == "builtins" or fn in (getattr, len):
        return name
    if module.startswith("torch._C._nn") or module == "torch._C._nn":
        return f"torch._C._nn.{name}"
    return f"{module}.{name}"


def _encode(v):
    if isinstance(v, fx.Node):
        return {"node": v.name}
    if isinstance(v, ByMode):
        return {"by_mode": [_encode(v.train), _encode(v.eval)]}
    if isinstance(v, torch.Size):
        return [int(x) for x in v]
    if isinstance(v, (list, tuple)):
        return [_encode(x) for x in v]
    if isinstance(v, dict):
        return {"dict": {str(k): _encode(x) for k, x in v.items()}}
    if isinstance(v, slice):
        return {"slice": [_encode(v.start), _encode(v.stop), _encode(v.step)]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if isinstance(v, torch.dtype):
        return {"dtype": str(v).replace("torch.", "")}
    if isinstance(v, torch.device):
        return {"device": str(v)}
    return _json_value(v)


def _trace(instance, sample_inputs):
    tracer = _PortTracer(instance, sample_inputs)
    try:
        graph = tracer.trace(instance, concrete_args=_none_defaults(instance) or None)
    except Exception as e:  # data-dependent control flow, an unsupported Python construct: reported, never dropped
        frames = [f for f in _frames_of(e)]
        return None, {"message": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", "frames": frames}, [], None
    metas = _shapes(instance, graph, sample_inputs)
    for node, v in tracer.values.items():  # the shadow run knows values the graph replay cannot reach
        if node.name not in metas and v is not _UNKNOWN:
            metas[node.name] = _value_meta(v)
    nodes = []
    for n in graph.nodes:
        d = {"op": n.op, "name": n.name, "args": _encode(n.args), "kwargs": _encode(dict(n.kwargs)), "frames": tracer.frames.get(n.name, [])}
        if n.op == "call_function":
            d["target"] = _callable_name(n.target)
        elif n.op in ("call_method", "call_module", "get_attr"):
            d["target"] = str(n.target)
        elif n.op == "placeholder":
            d["target"] = str(n.target)
            d["default"] = _encode(n.args[0]) if n.args else None
        d["users"] = [u.name for u in n.users]
        d["value"] = metas.get(n.name)
        nodes.append(d)
    return nodes, None, tracer.guards, graph


def _value_meta(v):
    """What a node computed on the sample input: {"kind": "tensor", "shape", "dtype"} / number / tuple."""
    if isinstance(v, torch.Tensor):
        return {"kind": "tensor", "shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", "")}
    if isinstance(v, bool):
        return {"kind": "bool"}
    if isinstance(v, (int, float)):
        return {"kind": "number"}
    if isinstance(v, torch.Size):
        return {"kind": "shape"}
    if isinstance(v, (tuple, list)):
        return {"kind": "tuple", "items": [_value_meta(x) for x in v]}
    return {"kind": "other", "type": type(v).__name__}


def _shapes(instance, graph, sample_inputs):
    """Runs the graph on the inputs the instance saw in a real forward (ShapeProp-style) and records each node's value kind and shape."""
    if sample_inputs is None:
        return {}
    metas = {}

    class _Recorder(fx.Interpreter):
        def run_node(self, n):
            out = super().run_node(n)
            metas[n.name] = _value_meta(out)
            return out

    try:
        with torch.no_grad():
            _Recorder(fx.GraphModule(instance, graph)).run(*sample_inputs)
    except Exception:  # shapes are a help for translation, never required
        return metas
    return metas


def _sample_inputs(model, spec):
    """{id(instance): the args of its first forward} from one forward of the root on a random input of `spec`."""
    if not spec:
        return {}
    shape = [int(d) for d in spec["shape"]]
    x = torch.randint(0, int(spec.get("intHigh", 10)), shape) if spec.get("dtype") == "int64" else torch.randn(*shape)
    seen, handles = {}, []
    for m in model.modules():
        if is_user_module(m):
            def pre(mod, inputs):
                seen.setdefault(id(mod), tuple(inputs))
            handles.append(m.register_forward_pre_hook(pre))
    try:
        with torch.no_grad():
            model(x)
    except Exception:
        return {}
    finally:
        for h in handles:
            h.remove()
    return seen


def _class_node(cls):
    """(file, ast.ClassDef) of a class, found by name in the file that defines its methods; (None, None) if unknown."""
    code = next((f.__code__ for f in vars(cls).values() if inspect.isfunction(f)), None)
    if code is None:
        return None, None
    path = os.path.abspath(code.co_filename)
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError):
        return path, None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and node.lineno <= code.co_firstlineno <= (node.end_lineno or 10**9):
            return path, node
    return path, None


def _inplace_problems(cls):
    """
    In-place tricks fx cannot see: `a += b` where `a` aliases another name (`a = x` earlier) changes both in
    PyTorch, and fx records an out-of-place add. Returns [{what, file, line, code}].
    """
    problems = []
    path, tree = _class_node(cls)
    if tree is None:
        return problems
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef) or fn.name == "__init__":
            continue
        aliases = set()
        for st in ast.walk(fn):
            if isinstance(st, ast.Assign) and isinstance(st.value, ast.Name):
                aliases.add(st.value.id)
                for t in st.targets:
                    if isinstance(t, ast.Name):
                        aliases.add(t.id)
        for st in ast.walk(fn):
            if isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name) and st.target.id in aliases:
                problems.append(
                    {
                        "what": f"in-place `{st.target.id} {_AUG.get(type(st.op), '?=')} ...` on a name that aliases another tensor (PyTorch changes both; a port would change one)",
                        "file": path,
                        "line": st.lineno,
                        "code": linecache.getline(path, st.lineno).strip(),
                    }
                )
        for st in ast.walk(fn):
            if isinstance(st, (ast.If, ast.IfExp, ast.While)) and any(
                isinstance(n, ast.Attribute) and n.attr == "training" and isinstance(n.value, ast.Name) and n.value.id == "self" for n in ast.walk(st.test)
            ):
                problems.append(
                    {
                        "what": "a branch on self.training (the trace takes the training-mode side only; twinml modules would need this.training)",
                        "file": path,
                        "line": st.lineno,
                        "code": linecache.getline(path, st.lineno).strip(),
                        "kind": "training branch",
                    }
                )
    return problems


_AUG = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/="}


def _child_lines(cls):
    """{attribute: line} for every `self.<attribute> = ...` in the class's __init__ (where a child is built)."""
    _, tree = _class_node(cls)
    out = {}
    if tree is None:
        return out
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.name == "__init__":
            for st in ast.walk(fn):
                targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(st, ast.AnnAssign) else []
                for t in targets:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        out.setdefault(t.attr, st.lineno)
                if isinstance(st, ast.Call) and isinstance(st.func, ast.Attribute) and st.func.attr in ("register_buffer", "register_parameter", "add_module"):
                    if st.args and isinstance(st.args[0], ast.Constant) and isinstance(st.args[0].value, str):
                        out.setdefault(st.args[0].value, st.lineno)
    return out


def _tying_lines(cls, tied):
    """The line of each tying assignment (`self.transformer.wte.weight = self.lm_head.weight`) in cls.__init__, or None."""
    _, tree = _class_node(cls)
    out = []
    for alias, owner in tied:
        wanted = {f"self.{alias}", f"self.{owner}"}
        line = None
        for st in ast.walk(tree) if tree is not None else []:
            if isinstance(st, ast.Assign) and any(ast.unparse(t) in wanted for t in st.targets) and ast.unparse(st.value) in wanted:
                line = st.lineno
                break
        out.append(line)
    return out


def _return_line(cls):
    """(line, code) of the last `return` of the class's own forward, or None."""
    path, tree = _class_node(cls)
    if tree is None:
        return None
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.name == "forward":
            returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
            if returns:
                r = max(returns, key=lambda n: n.lineno)
                return _frame(path, r.lineno, "forward")
    return None


def _class_source(cls):
    path, node = _class_node(cls)
    return path, (node.lineno if node is not None else None)


def _init_params(cls):
    init = cls.__dict__.get("__init__")
    if init is None:
        return []
    return [p for p in list(inspect.signature(init).parameters)[1:]]


def describe_model(args):
    """
    args: {"file": path, "cls": name, "args": list | dict | null}. Returns the JSON description (see src/port/description.ts).
    """
    root_cls = load_class(args["file"], args["cls"])
    namespace = next((f.__globals__ for f in vars(root_cls).values() if inspect.isfunction(f)), {})
    local = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, torch.nn.Module) and is_user_module_class(v)]
    undo = _record_init_arguments(set(local) | {root_cls})
    try:
        torch.manual_seed(0)
        ctor = args.get("args")
        model = construct(root_cls, ctor)
    finally:
        undo()
    model.train()
    samples = _sample_inputs(model, args.get("input"))
    classes, order, mode_safe = {}, [], {}

    def user_ref(m):
        return {"kind": "user", "class": type(m).__name__, "instance": id(m)}

    for path, m in model.named_modules():
        if not is_user_module(m):
            continue
        cls = type(m)
        entry = classes.get(cls)
        if entry is None:
            file, line = _class_source(cls)
            entry = {"name": cls.__name__, "file": file, "line": line, "init_params": _init_params(cls), "instances": [], "problems": _inplace_problems(cls), "child_lines": _child_lines(cls), "return_frame": _return_line(cls)}
            classes[cls] = entry
            order.append(cls)
        nodes, error, guards, graph = _trace(m, samples.get(id(m)))
        if graph is not None and any(p.get("kind") == "training branch" for p in entry["problems"]):
            # `p = self.dropout if self.training else 0.0`: when both modes trace the same ops, a constant that
            # differs is written `this.training ? 0.1 : 0` and the branch is no gap (decided per instance)
            differences = eval_differences(m, samples.get(id(m)), graph)
            mode_safe.setdefault(cls, []).append(differences is not None)
            if differences is not None:
                for d in nodes:
                    if d["name"] in differences:
                        node_args, node_kwargs = differences[d["name"]]
                        d["args"], d["kwargs"] = _encode(node_args), _encode(node_kwargs)
        entry["instances"].append(
            {
                "path": path,
                "id": id(m),
                "init_args": {k: _json_value(v) for k, v in getattr(m, "_twinml_port_init", {}).items()},
                "children": [[k, describe_child(v, user_ref)] for k, v in m._modules.items() if v is not None],
                "tensors": own_tensors(m),
                "nodes": nodes,
                "trace_error": error,
                "guards": [{"node": g["node"], "value": g["value"], "frame": g["frames"][-1] if g["frames"] else None} for g in guards],
            }
        )
    for cls, safe in mode_safe.items():
        if all(safe):
            classes[cls]["problems"] = [p for p in classes[cls]["problems"] if p.get("kind") != "training branch"]
    first, tied = {}, []
    for name, p in model.named_parameters(remove_duplicate=False):
        if id(p) in first:
            tied.append([name, first[id(p)]])
        else:
            first[id(p)] = name
    return {"root": root_cls.__name__, "file": os.path.abspath(args["file"]), "torch": torch.__version__, "classes": [classes[c] for c in order], "tied": tied, "tied_lines": _tying_lines(root_cls, tied)}


def is_user_module_class(cls):
    return not cls.__module__.startswith("torch.")
