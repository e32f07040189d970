/**
 * torch.fx nodes → twinml expressions: torch.nn.functional as `F.*`, torch functions and tensor methods as
 * twinml's tensor helpers or `tf.*` ops, Python operators on tensors as `tf.add`/`tf.mul`/..., and on numbers as
 * themselves. Anything not in these tables is refused with a reason (src/parity/port reports it as a gap).
 */
import type { FxArg, FxNode } from './description.js';

/** What a node's value is (from running the graph on a sample input). */
export type ValueKind = 'tensor' | 'number' | 'bool' | 'shape' | 'tuple' | 'other' | 'unknown';

/** What an op translation may ask about its arguments. */
export interface OpContext {
  /** The TS expression of an argument (a node reference or a constant). */
  expr(arg: FxArg | undefined): string;
  /** The kind of an argument's value. */
  kind(arg: FxArg | undefined): ValueKind;
  /** The rank of a tensor argument, when known. */
  rank(arg: FxArg | undefined): number | null;
  /** The Python source line of the node (to see `training=self.training`). */
  code: string;
}

/** A translation, or why there is none. */
export type OpResult = { expr: string; kind?: ValueKind } | { refused: string };

type Bound = Record<string, FxArg | undefined>;

/** Positional and keyword arguments matched to torch's parameter names. */
export function bind(node: FxNode, names: string[]): Bound {
  const out: Bound = {};
  node.args.forEach((a, i) => {
    if (i < names.length) out[names[i]!] = a;
  });
  for (const [k, v] of Object.entries(node.kwargs.dict)) out[k] = v;
  return out;
}

const isNum = (v: FxArg | undefined): v is number => typeof v === 'number';
const given = (v: FxArg | undefined): boolean => v !== undefined && v !== null;

function opts(ctx: OpContext, entries: Array<[string, FxArg | undefined, unknown]>): string {
  const kept = entries
    .filter(([, v, d]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(d) && !(Array.isArray(v) && v.length === 2 && v[0] === v[1] && JSON.stringify(v[0]) === JSON.stringify(d)))
    .map(([k, v]) => `${k}: ${ctx.expr(Array.isArray(v) && v.length === 2 && v[0] === v[1] && typeof v[0] !== 'object' ? v[0] : v)}`);
  return kept.length ? `{ ${kept.join(', ')} }` : '';
}

function fn(name: string, parts: string[]): string {
  return `${name}(${parts.filter((p) => p !== '').join(', ')})`;
}

/** A list-or-varargs shape (`x.view(n, -1)` or `x.view((n, -1))`) as a TS array literal. */
function shapeArg(ctx: OpContext, rest: FxArg[]): string {
  const items = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
  return `[${items.map((a) => ctx.expr(a)).join(', ')}]`;
}

const UNARY_TF: Record<string, string> = { exp: 'tf.exp', log: 'tf.log', sqrt: 'tf.sqrt', abs: 'tf.abs', neg: 'tf.neg', sin: 'tf.sin', cos: 'tf.cos', rsqrt: 'tf.rsqrt', square: 'tf.square', log1p: 'tf.log1p', erf: 'tf.erf' };
const UNARY_F: Record<string, string> = { relu: 'F.relu', sigmoid: 'F.sigmoid', tanh: 'F.tanh' };
const BINARY: Record<string, { tf: string; py: string }> = {
  add: { tf: 'tf.add', py: '+' },
  sub: { tf: 'tf.sub', py: '-' },
  mul: { tf: 'tf.mul', py: '*' },
  truediv: { tf: 'tf.div', py: '/' },
  div: { tf: 'tf.div', py: '/' },
  floordiv: { tf: 'tf.floorDiv', py: '//' },
  pow: { tf: 'tf.pow', py: '**' },
  matmul: { tf: 'tf.matMul', py: '@' },
};

const COMPARE: Record<string, string> = { gt: '>', lt: '<', ge: '>=', le: '<=', eq: '===', ne: '!==' };

function binary(ctx: OpContext, op: string, a: FxArg | undefined, b: FxArg | undefined): OpResult {
  const spec = BINARY[op]!;
  const numeric = ctx.kind(a) !== 'tensor' && ctx.kind(b) !== 'tensor';
  if (numeric) {
    if (op === 'floordiv') return { expr: `Math.floor(${ctx.expr(a)} / ${ctx.expr(b)})`, kind: 'number' };
    if (op === 'matmul') return { refused: '`@` on non-tensors' };
    return { expr: `${ctx.expr(a)} ${spec.py === '**' ? '**' : spec.py} ${ctx.expr(b)}`, kind: 'number' };
  }
  if (op === 'matmul' && (ctx.rank(a) !== 2 || ctx.rank(b) !== 2)) return { refused: '`@` / torch.matmul on tensors that are not both 2-D (tf.matMul does not broadcast like torch.matmul)' };
  return { expr: fn(spec.tf, [ctx.expr(a), ctx.expr(b)]), kind: 'tensor' };
}

function softmaxLike(ctx: OpContext, name: 'softmax' | 'log_softmax', b: Bound): OpResult {
  if (given(b.dtype)) return { refused: `${name}(dtype=...): twinml computes in the input's dtype` };
  if (!given(b.dim)) return { refused: `${name} without dim (deprecated implicit dim)` };
  return { expr: fn(`F.${name}`, [ctx.expr(b.input), ctx.expr(b.dim)]) };
}

function dropoutTraining(ctx: OpContext, training: FxArg | undefined): string {
  if (typeof training === 'object' && training !== null && 'by_mode' in training) return ctx.expr(training);
  if (/training\s*=\s*self\.training/.test(ctx.code) || /,\s*self\.training\s*\)/.test(ctx.code)) return 'this.training';
  return training === false ? 'false' : 'true';
}

function reduction(ctx: OpContext, name: 'sum' | 'mean', x: FxArg | undefined, dim: FxArg | undefined, keepdim: FxArg | undefined): OpResult {
  const parts = [ctx.expr(x)];
  if (given(dim)) parts.push(ctx.expr(dim));
  else if (keepdim === true) parts.push('null');
  if (keepdim === true) parts.push('true');
  return { expr: fn(`tf.${name}`, parts) };
}

function transposeDims(ctx: OpContext, x: FxArg | undefined, d0: FxArg | undefined, d1: FxArg | undefined): OpResult {
  const rank = ctx.rank(x);
  if (rank === null || !isNum(d0) || !isNum(d1)) return { refused: 'transpose with an unknown rank (give --input so port can see the shapes)' };
  const perm = [...Array(rank).keys()];
  const i = d0 < 0 ? d0 + rank : d0;
  const j = d1 < 0 ? d1 + rank : d1;
  [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  return { expr: fn('tf.transpose', [ctx.expr(x), `[${perm.join(', ')}]`]) };
}

/** Translates a call_function node. */
export function translateFunction(node: FxNode, ctx: OpContext): OpResult {
  const target = node.target ?? '';
  const [ns, name] = target.includes('.') ? [target.slice(0, target.lastIndexOf('.')), target.slice(target.lastIndexOf('.') + 1)] : ['', target];
  if (ns === 'operator') {
    if (name in BINARY) return binary(ctx, name, node.args[0], node.args[1]);
    if (name === 'neg') return ctx.kind(node.args[0]) === 'tensor' ? { expr: fn('tf.neg', [ctx.expr(node.args[0])]) } : { expr: `-${ctx.expr(node.args[0])}`, kind: 'number' };
    if (name === 'getitem') return getitem(ctx, node.args[0], node.args[1]);
    if (name in COMPARE) {
      const [a, b] = node.args;
      if (ctx.kind(a) === 'tensor' || ctx.kind(b) === 'tensor') return { refused: `comparison ${COMPARE[name]} on tensors` };
      return { expr: `${ctx.expr(a)} ${COMPARE[name]} ${ctx.expr(b)}`, kind: 'bool' };
    }
    return { refused: `Python operator ${name}` };
  }
  if (target === 'getattr') {
    const attr = node.args[1];
    if (attr === 'shape') return { expr: `${ctx.expr(node.args[0])}.shape`, kind: 'shape' };
    if (attr === 'ndim') return { expr: `${ctx.expr(node.args[0])}.rank`, kind: 'number' };
    // `device=x.device`: twinml tensors live on the backend's device; the argument is left out where it is used
    if (attr === 'device') return { expr: 'undefined', kind: 'other' };
    return { refused: `tensor attribute .${String(attr)}` };
  }
  if (ns !== 'F' && ns !== 'torch') return { refused: 'not a torch or torch.nn.functional function twinml knows' };
  const f = `${ns}.${name}`;
  if (name in UNARY_F && (ns === 'F' || ns === 'torch')) return { expr: fn(UNARY_F[name]!, [ctx.expr(node.args[0])]) };
  if (ns === 'torch' && name in UNARY_TF) return { expr: fn(UNARY_TF[name]!, [ctx.expr(node.args[0])]) };
  if (ns === 'torch' && name in BINARY) {
    const b = bind(node, ['input', 'other']);
    if (given(b.alpha) || given(b.rounding_mode)) return { refused: `${f} with alpha/rounding_mode` };
    return binary(ctx, name, b.input, b.other);
  }
  switch (f) {
    case 'F.gelu': {
      const b = bind(node, ['input']);
      return { expr: fn('F.gelu', [ctx.expr(b.input), b.approximate && b.approximate !== 'none' ? `{ approximate: ${ctx.expr(b.approximate)} }` : '']) };
    }
    case 'F.leaky_relu': {
      const b = bind(node, ['input', 'negative_slope', 'inplace']);
      return { expr: fn('F.leaky_relu', [ctx.expr(b.input), given(b.negative_slope) && b.negative_slope !== 0.01 ? ctx.expr(b.negative_slope) : '']) };
    }
    case 'F.softmax':
    case 'torch.softmax':
    case 'F.log_softmax':
    case 'torch.log_softmax':
      return softmaxLike(ctx, name as 'softmax' | 'log_softmax', bind(node, ['input', 'dim']));
    case 'F.dropout': {
      const b = bind(node, ['input', 'p', 'training', 'inplace']);
      const p = b.p === undefined || b.p === null ? 0.5 : b.p;
      return { expr: fn('F.dropout', [ctx.expr(b.input), ctx.expr(p), dropoutTraining(ctx, b.training)]) };
    }
    case 'F.max_pool2d': {
      const b = bind(node, ['input', 'kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices']);
      if (b.return_indices === true) return { refused: 'F.max_pool2d(return_indices=True)' };
      const o = opts(ctx, [['stride', b.stride, null], ['padding', b.padding, 0], ['dilation', b.dilation, 1], ['ceilMode', b.ceil_mode, false]]);
      return { expr: fn('F.max_pool2d', [ctx.expr(b.input), ctx.expr(b.kernel_size), o]) };
    }
    case 'F.avg_pool2d': {
      const b = bind(node, ['input', 'kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override']);
      const o = opts(ctx, [['stride', b.stride, null], ['padding', b.padding, 0], ['ceilMode', b.ceil_mode, false], ['countIncludePad', b.count_include_pad, true], ['divisorOverride', b.divisor_override, null]]);
      return { expr: fn('F.avg_pool2d', [ctx.expr(b.input), ctx.expr(b.kernel_size), o]) };
    }
    case 'F.adaptive_avg_pool2d':
      return { expr: fn('F.adaptive_avg_pool2d', [ctx.expr(node.args[0]), ctx.expr(node.args[1] ?? node.kwargs.dict.output_size)]) };
    case 'F.linear': {
      const b = bind(node, ['input', 'weight', 'bias']);
      return { expr: fn('F.linear', [ctx.expr(b.input), ctx.expr(b.weight), given(b.bias) ? ctx.expr(b.bias) : '']) };
    }
    case 'F.pad': {
      const b = bind(node, ['input', 'pad', 'mode', 'value']);
      const o = opts(ctx, [['mode', b.mode, 'constant'], ['value', b.value, null]]);
      return { expr: fn('F.pad', [ctx.expr(b.input), ctx.expr(b.pad), o]) };
    }
    case 'F.one_hot':
      return { expr: fn('F.one_hot', [ctx.expr(node.args[0]), ctx.expr(node.args[1] ?? node.kwargs.dict.num_classes ?? -1)]) };
    case 'torch.flatten': {
      const b = bind(node, ['input', 'start_dim', 'end_dim']);
      const parts = [ctx.expr(b.input)];
      if (given(b.start_dim) || given(b.end_dim)) parts.push(ctx.expr(b.start_dim ?? 0));
      if (given(b.end_dim) && b.end_dim !== -1) parts.push(ctx.expr(b.end_dim));
      return { expr: fn('flatten', parts) };
    }
    case 'torch.cat':
    case 'torch.concat':
    case 'torch.stack': {
      const b = bind(node, ['tensors', 'dim']);
      const helper = name === 'stack' ? 'stack' : 'cat';
      return { expr: fn(helper, [ctx.expr(b.tensors), given(b.dim) && b.dim !== 0 ? ctx.expr(b.dim) : '']) };
    }
    case 'torch.randn_like':
    case 'torch.rand_like':
      if (Object.keys(node.kwargs.dict).some((k) => k !== 'memory_format' && node.kwargs.dict[k] !== null)) return { refused: `${f} with dtype/device arguments` };
      return { expr: fn(name, [ctx.expr(node.args[0])]) };
    case 'torch.sum':
    case 'torch.mean': {
      const b = bind(node, ['input', 'dim', 'keepdim']);
      if (given(b.dtype)) return { refused: `${f}(dtype=...)` };
      return reduction(ctx, name as 'sum' | 'mean', b.input, b.dim, b.keepdim);
    }
    case 'torch.transpose':
      return transposeDims(ctx, node.args[0], node.args[1], node.args[2]);
    case 'torch.reshape':
      return { expr: fn('tf.reshape', [ctx.expr(node.args[0]), shapeArg(ctx, node.args.slice(1))]) };
    case 'F.scaled_dot_product_attention': {
      const b = bind(node, ['query', 'key', 'value', 'attn_mask', 'dropout_p', 'is_causal', 'scale']);
      if (given(b.enable_gqa) && b.enable_gqa !== false) return { refused: 'F.scaled_dot_product_attention(enable_gqa=True)' };
      const o = opts(ctx, [['attnMask', b.attn_mask, null], ['dropoutP', b.dropout_p, 0], ['isCausal', b.is_causal, false], ['scale', b.scale, null]]);
      return { expr: fn('F.scaled_dot_product_attention', [ctx.expr(b.query), ctx.expr(b.key), ctx.expr(b.value), o]) };
    }
    case 'F.layer_norm': {
      const b = bind(node, ['input', 'normalized_shape', 'weight', 'bias', 'eps']);
      const parts = [ctx.expr(b.input), ctx.expr(b.normalized_shape), given(b.weight) ? ctx.expr(b.weight) : 'null', given(b.bias) ? ctx.expr(b.bias) : 'null'];
      if (given(b.eps) && b.eps !== 1e-5) parts.push(ctx.expr(b.eps));
      return { expr: fn('F.layer_norm', parts) };
    }
    case 'torch.arange': {
      const b = node.args.length >= 2 ? bind(node, ['start', 'end', 'step']) : bind(node, ['end']);
      const dtype = b.dtype as { dtype?: string } | null | undefined;
      const integer = dtype ? /^(int|long|uint)/.test(dtype.dtype ?? '') : [b.start, b.end, b.step].every((v) => v === undefined || v === null || (isNum(v) && Number.isInteger(v)) || ctx.kind(v) === 'number');
      return { expr: fn('tf.range', [given(b.start) ? ctx.expr(b.start) : '0', ctx.expr(b.end), given(b.step) ? ctx.expr(b.step) : '1', integer ? "'int32'" : "'float32'"]), kind: 'tensor' };
    }
    case 'torch.matmul':
    case 'torch.mm':
      return binary(ctx, 'matmul', node.args[0], node.args[1]);
    default:
      return { refused: 'no twinml equivalent in the port table (docs/port.md lists what translates)' };
  }
}

function getitem(ctx: OpContext, base: FxArg | undefined, index: FxArg | undefined): OpResult {
  const k = ctx.kind(base);
  if ((k === 'tuple' || k === 'shape') && isNum(index)) {
    const i = index < 0 && k === 'shape' ? `${ctx.expr(base)}.length - ${-index}` : String(index);
    return { expr: `${ctx.expr(base)}[${i}]!`, kind: k === 'shape' ? 'number' : 'tensor' };
  }
  if (k === 'tensor') return { refused: 'tensor indexing / slicing `x[...]` (no twinml helper yet)' };
  return { refused: `indexing a ${k} value` };
}

/** Translates a call_method node (`x.view(...)`, `x.size(0)`, ...). */
export function translateMethod(node: FxNode, ctx: OpContext): OpResult {
  const name = node.target ?? '';
  const [self, ...rest] = node.args;
  const x = ctx.expr(self);
  if (name.endsWith('_') && !name.endsWith('__')) return { refused: `in-place tensor method .${name}() (twinml tensors are immutable; write the out-of-place form)` };
  if (name in UNARY_F) return { expr: fn(UNARY_F[name]!, [x]) };
  if (name in UNARY_TF) return { expr: fn(UNARY_TF[name]!, [x]) };
  if (name in BINARY) return binary(ctx, name, self, rest[0] ?? node.kwargs.dict.other);
  switch (name) {
    case 'view':
    case 'reshape':
      return { expr: fn('tf.reshape', [x, shapeArg(ctx, rest)]) };
    case 'flatten': {
      const s = rest[0] ?? node.kwargs.dict.start_dim;
      const e = rest[1] ?? node.kwargs.dict.end_dim;
      const parts = [x];
      if (given(s) || given(e)) parts.push(ctx.expr(s ?? 0));
      if (given(e) && e !== -1) parts.push(ctx.expr(e));
      return { expr: fn('flatten', parts) };
    }
    case 'size': {
      const d = rest[0] ?? node.kwargs.dict.dim;
      if (!given(d)) return { expr: `${x}.shape`, kind: 'shape' };
      if (isNum(d) && d < 0) return { expr: `${x}.shape[${x}.rank - ${-d}]!`, kind: 'number' };
      return { expr: `${x}.shape[${ctx.expr(d)}]!`, kind: 'number' };
    }
    case 'dim':
      return { expr: `${x}.rank`, kind: 'number' };
    case 'contiguous':
      return { expr: x };
    case 'softmax':
    case 'log_softmax':
      return softmaxLike(ctx, name, { input: self, dim: rest[0] ?? node.kwargs.dict.dim, dtype: node.kwargs.dict.dtype });
    case 'sum':
    case 'mean':
      return reduction(ctx, name, self, rest[0] ?? node.kwargs.dict.dim, rest[1] ?? node.kwargs.dict.keepdim);
    case 'unsqueeze':
      return { expr: fn('tf.expandDims', [x, ctx.expr(rest[0] ?? node.kwargs.dict.dim)]) };
    case 'squeeze': {
      const d = rest[0] ?? node.kwargs.dict.dim;
      return { expr: fn('tf.squeeze', [x, given(d) ? `[${ctx.expr(d)}]` : '']) };
    }
    case 'permute':
      return { expr: fn('tf.transpose', [x, shapeArg(ctx, rest)]) };
    case 'transpose':
      return transposeDims(ctx, self, rest[0], rest[1]);
    case 'split': {
      const size = rest[0] ?? node.kwargs.dict.split_size ?? node.kwargs.dict.split_size_or_sections;
      const d = rest[1] ?? node.kwargs.dict.dim ?? 0;
      if (Array.isArray(size)) return { expr: fn('split', [x, ctx.expr(size), ctx.expr(d)]), kind: 'tuple' };
      return { expr: fn('split', [x, ctx.expr(size), d === 0 ? '' : ctx.expr(d)]), kind: 'tuple' };
    }
    case 'chunk': {
      const n = rest[0] ?? node.kwargs.dict.chunks;
      const d = rest[1] ?? node.kwargs.dict.dim ?? 0;
      return { expr: fn('tf.split', [x, ctx.expr(n), ctx.expr(d)]), kind: 'tuple' };
    }
    default:
      return { refused: 'no twinml equivalent in the port table (docs/port.md lists what translates)' };
  }
}
