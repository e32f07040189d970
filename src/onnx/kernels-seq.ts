/**
 * ONNX mappings of the tfjs kernels sequence models use in custom forwards: Gather (tf.gather), Where (tf.where),
 * comparisons and logical ops, Range (tf.range, recorded even on constants so its limits can follow a dynamic
 * axis), TopK, Split/Unpack/Pack (tf.split, tf.unstack, tf.stack), Tile, Expand (tf.broadcastTo), ArgMax, OneHot.
 * ONNX returns int64 indices where tfjs returns int32: they are cast back so the graph keeps tfjs's dtypes.
 */
import type { KernelEmitContext, KernelEmitter } from './emitter.js';
import type { AttributeValue } from './graph.js';
import { OnnxDataType } from './proto.js';

const binary = (opType: string): KernelEmitter => (ctx) => [ctx.node(opType, [ctx.input('a'), ctx.input('b')])];

function axisOf(ctx: KernelEmitContext, axis: unknown, key = 'x'): number {
  const rank = ctx.tensors[key]?.rank ?? 0;
  const a = Number(Array.isArray(axis) ? axis[0] : (axis ?? 0));
  return a < 0 ? a + rank : a;
}

/** A node with several outputs; returns their value names. */
function multi(ctx: KernelEmitContext, opType: string, inputs: string[], count: number, attributes: Record<string, AttributeValue> = {}): string[] {
  return ctx.graph.addNode(opType, inputs, ctx.origin, attributes, count).outputs;
}

const toInt32 = (ctx: KernelEmitContext, name: string): string => ctx.node('Cast', [name], { to: OnnxDataType.INT32 });

/** Range arguments as scalar constants of the output's type (int64 for integer ranges, cast to int32 after). */
function range(ctx: KernelEmitContext): string[] {
  const start = Number(ctx.attrs.start);
  const stop = Number(ctx.attrs.stop);
  const step = Number(ctx.attrs.step ?? 1);
  const dtype = String(ctx.attrs.dtype ?? 'float32');
  if ([start, stop, step].every(Number.isInteger)) {
    const r = ctx.node('Range', [ctx.int64([start], []), ctx.int64([stop], []), ctx.int64([step], [])]);
    return [ctx.node('Cast', [r], { to: dtype === 'int32' ? OnnxDataType.INT32 : OnnxDataType.FLOAT })];
  }
  if (dtype !== 'float32') return ctx.fail(`tf.range(${start}, ${stop}, ${step}) with dtype ${dtype} has no ONNX mapping`);
  return [ctx.node('Range', [ctx.float([start], []), ctx.float([stop], []), ctx.float([step], [])])];
}

/** A tensor of x's shape and dtype filled with `value`. */
function filledLike(ctx: KernelEmitContext, value: number): string {
  const scalar = ctx.outputs[0]?.dtype === 'int32' ? ctx.node('Cast', [ctx.float([value])], { to: OnnxDataType.INT32 }) : ctx.float([value]);
  return ctx.node('Expand', [scalar, ctx.node('Shape', [ctx.input('x')])]);
}

/** Kernels used by sequence models (see the file comment). */
export const SEQUENCE_KERNELS: Record<string, KernelEmitter> = {
  GatherV2: (ctx) => {
    if (Number(ctx.attrs.batchDims ?? 0) !== 0) return ctx.fail('tf.gather with batchDims > 0 has no ONNX mapping');
    return [ctx.node('Gather', [ctx.input('x'), ctx.input('indices')], { axis: axisOf(ctx, ctx.attrs.axis) })];
  },
  Select: (ctx) => [ctx.node('Where', [ctx.input('condition'), ctx.input('t'), ctx.input('e')])],
  Less: binary('Less'),
  LessEqual: binary('LessOrEqual'),
  Greater: binary('Greater'),
  GreaterEqual: binary('GreaterOrEqual'),
  Equal: binary('Equal'),
  NotEqual: (ctx) => [ctx.node('Not', [ctx.node('Equal', [ctx.input('a'), ctx.input('b')])])],
  LogicalAnd: binary('And'),
  LogicalOr: binary('Or'),
  LogicalNot: (ctx) => [ctx.node('Not', [ctx.input('x')])],
  Range: range,
  TopK: (ctx) => {
    if (ctx.attrs.sorted === false) return ctx.fail('tf.topk with sorted=false has no ONNX mapping (ONNX TopK sorts)');
    const k = Number(ctx.attrs.k ?? 1);
    const [values, indices] = multi(ctx, 'TopK', [ctx.input('x'), ctx.int64([k])], 2, { axis: -1, largest: 1, sorted: 1 }) as [string, string];
    return [values, toInt32(ctx, indices)];
  },
  SplitV: (ctx) => {
    const axis = axisOf(ctx, ctx.attrs.axis);
    const sizes = ctx.outputs.map((t) => t.shape[axis] as number);
    return multi(ctx, 'Split', [ctx.input('x'), ctx.int64(sizes)], sizes.length, { axis });
  },
  Unpack: (ctx) => {
    const axis = axisOf(ctx, ctx.attrs.axis, 'value');
    const n = ctx.outputs.length;
    const parts = multi(ctx, 'Split', [ctx.input('value'), ctx.int64(new Array<number>(n).fill(1))], n, { axis });
    return parts.map((p) => ctx.node('Squeeze', [p, ctx.int64([axis])]));
  },
  Pack: (ctx) => {
    const rank = ctx.outputs[0]?.rank ?? 1;
    const a = Number(ctx.attrs.axis ?? 0);
    const axis = a < 0 ? a + rank : a;
    const parts = ctx.inputNames.map((n) => ctx.node('Unsqueeze', [n, ctx.int64([axis])]));
    return [parts.length === 1 ? (parts[0] as string) : ctx.node('Concat', parts, { axis })];
  },
  // twinml's fused LayerNorm (src/backend/sequence-kernels.ts, F.layer_norm over the last axis on wasm/cpu):
  // LayerNormalization, whose optional outputs are the same mean and 1/sqrt(var + eps).
  TwinmlLayerNorm: (ctx) => {
    const d = ctx.tensors.x?.shape[(ctx.tensors.x?.rank ?? 1) - 1] ?? 1;
    const scale = ctx.tensors.weight ? ctx.input('weight') : ctx.float(new Array<number>(d).fill(1), [d]);
    const inputs = [ctx.input('x'), scale, ...(ctx.tensors.bias ? [ctx.input('bias')] : [])];
    return multi(ctx, 'LayerNormalization', inputs, 3, { axis: -1, epsilon: { float: Number(ctx.attrs.eps) } });
  },
  ExpandDims: (ctx) => {
    const rank = ctx.outputs[0]?.rank ?? 1;
    const a = Number(ctx.attrs.dim ?? 0);
    return [ctx.node('Unsqueeze', [ctx.input('input'), ctx.int64([a < 0 ? a + rank : a])])];
  },
  Tile: (ctx) => [ctx.node('Tile', [ctx.input('x'), ctx.int64([...(ctx.attrs.reps as number[])])])],
  BroadcastTo: (ctx) => [ctx.node('Expand', [ctx.input('x'), ctx.int64([...(ctx.attrs.shape as number[])])])],
  ArgMax: (ctx) => [toInt32(ctx, ctx.node('ArgMax', [ctx.input('x')], { axis: axisOf(ctx, ctx.attrs.axis), keepdims: 0 }))],
  ArgMin: (ctx) => [toInt32(ctx, ctx.node('ArgMin', [ctx.input('x')], { axis: axisOf(ctx, ctx.attrs.axis), keepdims: 0 }))],
  OneHot: (ctx) => {
    const depth = Number(ctx.attrs.depth);
    const values = ctx.float([Number(ctx.attrs.offValue ?? 0), Number(ctx.attrs.onValue ?? 1)], [2]);
    const out = ctx.node('OneHot', [ctx.input('indices'), ctx.int64([depth], []), values], { axis: -1 });
    return [ctx.outputs[0]?.dtype === 'int32' ? toInt32(ctx, out) : out];
  },
  ZerosLike: (ctx) => [filledLike(ctx, 0)],
  OnesLike: (ctx) => [filledLike(ctx, 1)],
};
