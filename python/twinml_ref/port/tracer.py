"""
The torch.fx tracer of `twinml port`: one module's own forward with every child a call_module, a shadow run on the
sample inputs that decides branches on shapes (recorded as guards), forward arguments defaulting to None traced as
None, and the check that a self.training branch traces the same in eval mode.
"""
import inspect

import torch
from torch import fx

from .frames import _user_frames


_UNKNOWN = object()


class _PortTracer(fx.Tracer):
    """
    Traces one module's own forward: every child (torch.nn, containers, user classes) stays a call_module.
    Alongside the symbolic trace it runs each node on the instance's sample inputs (a shadow run), so that a
    Python branch on a value computed from shapes (`if t_past == 0:`, `assert T <= block_size`) can be decided
    for the sample and recorded as a guard (the port checks it at run time); a branch on tensor data stays an error.
    """

    def __init__(self, root, samples=None):
        super().__init__()
        self._root = root
        self.frames = {}
        self._executions = {}
        self._samples = list(samples) if samples is not None else None
        self._placeholders = 0
        self.values = {}
        self.guards = []
        self._shadowing = False

    def call_module(self, m, forward, args, kwargs):
        if self._shadowing:  # a shadow run of a child: plain execution, no nodes
            return forward(*args, **kwargs)
        return super().call_module(m, forward, args, kwargs)

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        if self._shadowing:  # parameters are plain tensors in a shadow run
            return attr_val
        return super().getattr(attr, attr_val, parameter_proxy_cache)

    def is_leaf_module(self, m, qualname):
        return m is not self._root

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        self.frames[node.name] = _user_frames(self._executions)
        self.values[node] = self._shadow(node)
        return node

    def _shadow(self, node):
        if self._samples is None:
            return _UNKNOWN
        if node.op == "placeholder":
            i = self._placeholders
            self._placeholders += 1
            return self._samples[i] if i < len(self._samples) else (node.args[0] if node.args else _UNKNOWN)
        missing = []

        def value(n):
            v = self.values.get(n, _UNKNOWN)
            if v is _UNKNOWN:
                missing.append(n)
            return v

        args = fx.node.map_arg(node.args, value)
        kwargs = fx.node.map_arg(node.kwargs, value)
        if missing:
            return _UNKNOWN
        self._shadowing = True
        try:
            with torch.no_grad():
                if node.op == "call_function":
                    return node.target(*args, **kwargs)
                if node.op == "call_method":
                    return getattr(args[0], node.target)(*args[1:], **kwargs)
                if node.op == "call_module":
                    return self._root.get_submodule(node.target)(*args, **kwargs)
                if node.op == "get_attr":
                    v = self._root
                    for part in node.target.split("."):
                        v = getattr(v, part)
                    return v
        except Exception:  # the shadow run is a help for branches, never required
            return _UNKNOWN
        finally:
            self._shadowing = False
        return _UNKNOWN

    def to_bool(self, obj):
        v = self.values.get(obj.node, _UNKNOWN)
        if v is _UNKNOWN or isinstance(v, torch.Tensor):
            return super().to_bool(obj)  # a branch on tensor data: fx's TraceError, reported as a gap
        taken = bool(v)
        frames = _user_frames()
        self.guards.append({"node": obj.node.name, "value": taken, "frames": frames})
        return taken


def _none_defaults(instance):
    """The forward's parameters that default to None (`past=None`): traced as the constant None."""
    try:
        params = inspect.signature(type(instance).forward).parameters
    except (TypeError, ValueError):
        return {}
    return {k: None for k, p in list(params.items())[1:] if p.default is None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


class ByMode:
    """A constant that differs between the training-mode and the eval-mode trace (`p if self.training else 0.0`)."""

    def __init__(self, train, eval_):
        self.train = train
        self.eval = eval_


class _Differs(Exception):
    pass


def _merge(a, b):
    """a (training-mode trace) and b (eval-mode) as one value; leaf constants that differ become ByMode."""
    if isinstance(a, fx.Node) or isinstance(b, fx.Node):
        if isinstance(a, fx.Node) and isinstance(b, fx.Node) and a.name == b.name:
            return a
        raise _Differs()
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) is type(b) and len(a) == len(b):
        return type(a)(_merge(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b):
        return {k: _merge(a[k], b[k]) for k in a}
    if type(a) is type(b) and a == b:
        return a
    if isinstance(a, (bool, int, float)) and isinstance(b, (bool, int, float)) and not isinstance(a, type(None)):
        return ByMode(a, b)
    raise _Differs()


def eval_differences(instance, sample_inputs, graph):
    """
    The forward traced again in eval mode, against the training-mode `graph`: None when the ops differ (a branch on
    self.training that changes the computation), else {node name: (args, kwargs)} with the constants that differ
    as ByMode (`dropout_p = self.dropout if self.training else 0.0` → one node whose dropout_p depends on the mode).
    """
    was = instance.training
    try:
        instance.eval()
        other = _PortTracer(instance, sample_inputs).trace(instance, concrete_args=_none_defaults(instance) or None)
    except Exception:
        return None
    finally:
        instance.train(was)
    ours, theirs = list(graph.nodes), list(other.nodes)
    if len(ours) != len(theirs):
        return None
    out = {}
    for a, b in zip(ours, theirs):
        if (a.op, str(a.target), a.name) != (b.op, str(b.target), b.name):
            return None
        try:
            args, kwargs = _merge(a.args, b.args), _merge(dict(a.kwargs), dict(b.kwargs))
        except _Differs:
            return None
        if repr(a.args) != repr(b.args) or repr(dict(a.kwargs)) != repr(dict(b.kwargs)):
            out[a.name] = (args, kwargs)
    return out
