/**
 * ONNX mappings of the tfjs kernels a custom `forward()` may run directly: elementwise math, matmul, reshape,
 * transpose, concat, reductions, softmax, slice, pad, cast. A kernel without a mapping is an export error that
 * names it and the module path (see trace.ts). tfjs and ONNX share numpy broadcasting, so binary ops map 1:1.
 */
import type { KernelEmitContext, KernelEmitter } from './emitter.js';
import { SEQUENCE_KERNELS } from './kernels-seq.js';
import { FUSED_KERNELS } from './kernels-fused.js';

const INT64_MAX = Number.MAX_SAFE_INTEGER;

function rankOf(ctx: KernelEmitContext, key: string): number {
  const t = ctx.tensors[key];
  if (!t) return ctx.fail(`missing kernel input '${key}'`);
  return t.rank;
}

/** Normalises an axis or list of axes (negative counts from the end); null/undefined = all axes. */
function axesOf(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return [...Array(rank).keys()];
  const list = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return list.map((a) => (a < 0 ? a + rank : a));
}

function pairOf(v: unknown): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)];
}

const unary = (opType: string): KernelEmitter => (ctx) => [ctx.node(opType, [ctx.inputNames[0] as string])];
const binary = (opType: string): KernelEmitter => (ctx) => [ctx.node(opType, [ctx.input('a'), ctx.input('b')])];

function swapLastTwo(ctx: KernelEmitContext, name: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return ctx.node('Transpose', [name], { perm });
}

function matMul(ctx: KernelEmitContext): string {
  const a = ctx.attrs.transposeA ? swapLastTwo(ctx, ctx.input('a'), rankOf(ctx, 'a')) : ctx.input('a');
  const b = ctx.attrs.transposeB ? swapLastTwo(ctx, ctx.input('b'), rankOf(ctx, 'b')) : ctx.input('b');
  return ctx.node('MatMul', [a, b]);
}

function activation(ctx: KernelEmitContext, x: string, kind: unknown): string {
  switch (kind ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return ctx.node('Relu', [x]);
    case 'sigmoid':
      return ctx.node('Sigmoid', [x]);
    case 'elu':
      return ctx.node('Elu', [x], { alpha: { float: 1 } });
    case 'relu6':
      return ctx.node('Clip', [x, ctx.float([0]), ctx.float([6])]);
    case 'leakyrelu':
      return ctx.node('LeakyRelu', [x], { alpha: { float: Number(ctx.attrs.leakyreluAlpha ?? 0.2) } });
    case 'prelu':
      return ctx.node('PRelu', [x, ctx.input('preluActivationWeights')]);
    default:
      return ctx.fail(`fused activation '${String(kind)}' has no ONNX mapping`);
  }
}

function reduce(opType: string): KernelEmitter {
  return (ctx) => {
    const axes = axesOf(ctx.attrs.axis, rankOf(ctx, 'x'));
    const keepdims = ctx.attrs.keepDims ? 1 : 0;
    // Opset 17: ReduceSum takes axes as an input, ReduceMean/Max/Min/Prod as an attribute.
    if (opType === 'ReduceSum') return [ctx.node(opType, [ctx.input('x'), ctx.int64(axes)], { keepdims })];
    return [ctx.node(opType, [ctx.input('x')], { axes, keepdims })];
  };
}

function sliceBounds(begin: unknown, size: unknown, shape: number[]): { starts: number[]; ends: number[] } {
  const rank = shape.length;
  const b = Array.isArray(begin) ? [...(begin as number[])] : [begin as number];
  const s = size === undefined ? [] : Array.isArray(size) ? [...(size as number[])] : [size as number];
  while (b.length < rank) b.push(0);
  while (s.length < rank) s.push(-1);
  return { starts: b, ends: b.map((v, i) => ((s[i] as number) < 0 ? INT64_MAX : v + (s[i] as number))) };
}

const CAST_TARGETS: Record<string, number> = { float32: 1, int32: 6, bool: 9 };

const KERNELS: Record<string, KernelEmitter> = {
  Identity: (ctx) => [ctx.input('x')],
  Add: binary('Add'),
  Sub: binary('Sub'),
  Multiply: binary('Mul'),
  RealDiv: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: binary('Pow'),
  SquaredDifference: (ctx) => {
    const d = ctx.node('Sub', [ctx.input('a'), ctx.input('b')]);
    return [ctx.node('Mul', [d, d])];
  },
  AddN: (ctx) => [ctx.node('Sum', ctx.inputNames)],
  Abs: unary('Abs'),
  Neg: unary('Neg'),
  Exp: unary('Exp'),
  Log: unary('Log'),
  Sqrt: unary('Sqrt'),
  Reciprocal: unary('Reciprocal'),
  Floor: unary('Floor'),
  Ceil: unary('Ceil'),
  Sin: unary('Sin'),
  Cos: unary('Cos'),
  Sign: unary('Sign'),
  Erf: unary('Erf'),
  Relu: unary('Relu'),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  Softplus: unary('Softplus'),
  Rsqrt: (ctx) => [ctx.node('Reciprocal', [ctx.node('Sqrt', [ctx.input('x')])])],
  Square: (ctx) => [ctx.node('Mul', [ctx.input('x'), ctx.input('x')])],
  Elu: (ctx) => [ctx.node('Elu', [ctx.input('x')], { alpha: { float: 1 } })],
  Relu6: (ctx) => [ctx.node('Clip', [ctx.input('x'), ctx.float([0]), ctx.float([6])])],
  LeakyRelu: (ctx) => [ctx.node('LeakyRelu', [ctx.input('x')], { alpha: { float: Number(ctx.attrs.alpha) } })],
  Prelu: (ctx) => [ctx.node('PRelu', [ctx.input('x'), ctx.input('alpha')])],
  ClipByValue: (ctx) => [
    ctx.node('Clip', [ctx.input('x'), ctx.float([Number(ctx.attrs.clipValueMin)]), ctx.float([Number(ctx.attrs.clipValueMax)])]),
  ],
  BatchMatMul: (ctx) => [matMul(ctx)],
  _FusedMatMul: (ctx) => {
    let y = matMul(ctx);
    if (ctx.tensors.bias) y = ctx.node('Add', [y, ctx.input('bias')]);
    return [activation(ctx, y, ctx.attrs.activation)];
  },
  Reshape: (ctx) => [ctx.reshape(ctx.input('x'), [...(ctx.outputs[0]?.shape ?? [])], [...(ctx.tensors.x?.shape ?? [])])],
  Transpose: (ctx) => [ctx.node('Transpose', [ctx.input('x')], { perm: [...(ctx.attrs.perm as number[])] })],
  Concat: (ctx) => {
    const rank = ctx.outputs[0]?.rank ?? 1;
    const axis = axesOf(ctx.attrs.axis, rank)[0] as number;
    return [ctx.inputNames.length === 1 ? (ctx.inputNames[0] as string) : ctx.node('Concat', ctx.inputNames, { axis })];
  },
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Prod: reduce('ReduceProd'),
  Softmax: (ctx) => {
    const axis = axesOf(ctx.attrs.dim ?? -1, rankOf(ctx, 'logits'))[0] as number;
    return [ctx.node('Softmax', [ctx.input('logits')], { axis })];
  },
  Slice: (ctx) => {
    const shape = ctx.tensors.x?.shape ?? [];
    const { starts, ends } = sliceBounds(ctx.attrs.begin, ctx.attrs.size, shape);
    const axes = [...starts.keys()];
    return [ctx.node('Slice', [ctx.input('x'), ctx.int64(starts), ctx.int64(ends), ctx.int64(axes)])];
  },
  PadV2: (ctx) => {
    const paddings = ctx.attrs.paddings as Array<[number, number]>;
    const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
    return [ctx.node('Pad', [ctx.input('x'), ctx.int64(pads), ctx.float([Number(ctx.attrs.constantValue ?? 0)])], { mode: 'constant' })];
  },
  // tfjs pools NHWC; ONNX MaxPool is NCHW: transpose around it (F.max_pool2d in a custom forward).
  MaxPool: (ctx) => {
    const [kh, kw] = pairOf(ctx.attrs.filterSize);
    const [sh, sw] = pairOf(ctx.attrs.strides);
    const pad = ctx.attrs.pad;
    if (ctx.attrs.dimRoundingMode !== undefined && ctx.attrs.dimRoundingMode !== null) return ctx.fail('MaxPool with dimRoundingMode has no ONNX mapping');
    // tfjs's explicit form is NHWC [[0, 0], [top, bottom], [left, right], [0, 0]]; ONNX wants [top, left, bottom, right].
    const explicit = Array.isArray(pad) && pad.length === 4 ? (pad as Array<[number, number]>) : null;
    const padding: Record<string, number[] | string> | null =
      pad === 'valid' || pad === 0
        ? { pads: [0, 0, 0, 0] }
        : pad === 'same'
          ? { auto_pad: 'SAME_UPPER' }
          : typeof pad === 'number'
            ? { pads: [pad, pad, pad, pad] }
            : explicit && explicit[0]!.every((v) => v === 0) && explicit[3]!.every((v) => v === 0)
              ? { pads: [explicit[1]![0], explicit[2]![0], explicit[1]![1], explicit[2]![1]] }
              : null;
    if (!padding) return ctx.fail(`MaxPool padding ${JSON.stringify(pad)} has no ONNX mapping`);
    const nchw = ctx.node('Transpose', [ctx.input('x')], { perm: [0, 3, 1, 2] });
    const pooled = ctx.node('MaxPool', [nchw], { kernel_shape: [kh, kw], strides: [sh, sw], ...padding });
    return [ctx.node('Transpose', [pooled], { perm: [0, 2, 3, 1] })];
  },
  Cast: (ctx) => {
    const from = ctx.tensors.x?.dtype;
    const to = String(ctx.attrs.dtype);
    if (from === to) return [ctx.input('x')];
    const target = CAST_TARGETS[to];
    if (target === undefined) return ctx.fail(`cast to ${to} has no ONNX mapping (valid: ${Object.keys(CAST_TARGETS).join(', ')})`);
    return [ctx.node('Cast', [ctx.input('x')], { to: target })];
  },
  ...SEQUENCE_KERNELS,
  ...FUSED_KERNELS,
};

/** The ONNX mapping of a tfjs kernel, if there is one. */
export function kernelEmitterFor(kernelName: string): KernelEmitter | undefined {
  return Object.prototype.hasOwnProperty.call(KERNELS, kernelName) ? KERNELS[kernelName] : undefined;
}

/** The tfjs kernels a custom forward may use. */
export function supportedKernels(): string[] {
  return Object.keys(KERNELS).sort();
}
