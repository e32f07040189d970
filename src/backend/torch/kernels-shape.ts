/**
 * Reductions, shape and indexing kernels of the `torch` backend. Views (reshape, permute, narrow, expand) stay
 * views: libtorch tensors carry strides, and reads make them contiguous.
 */
import { backend_util, slice_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { aten } from './op-call.js';
import { axes, kernel } from './kernel.js';
import { SCALAR_TYPE } from './native.js';
import type { TorchBackend } from './backend.js';
import { cast } from './kernels-elementwise.js';

const SUM = aten('sum', 'dim_IntList');
const MEAN = aten('mean', 'dim');
const AMAX = aten('amax');
const AMIN = aten('amin');
const ARGMAX = aten('argmax');
const ARGMIN = aten('argmin');
const PROD = aten('prod', 'dim_int');
const ALL = aten('all', 'dims');
const ANY = aten('any', 'dims');
const RESHAPE = aten('reshape');
const PERMUTE = aten('permute');
const UNSQUEEZE = aten('unsqueeze');
const CAT = aten('cat');
const STACK = aten('stack');
const UNBIND = aten('unbind', 'int');
const REPEAT = aten('repeat');
const PAD = aten('constant_pad_nd');
const FLIP = aten('flip');
const INDEX_SELECT = aten('index_select');
const NARROW = aten('narrow');
const EXPAND = aten('expand');
const SPLIT = aten('split_with_sizes');
const FULL = aten('full');
const ZEROS_LIKE = aten('zeros_like');
const ONES_LIKE = aten('ones_like');
const ARANGE = aten('arange', 'start_step');
const ZEROS = aten('zeros');
const INDEX_ADD = aten('index_add');
const EQ = aten('eq', 'Tensor');
const WHERE_SCALAR = aten('where', 'Scalar');
const CUMSUM = aten('cumsum');
const SUB = aten('sub', 'Tensor');
const TOPK = aten('topk');

/** A reduction over `axis` (no axes: x itself, as in tfjs; ATen would reduce everything). */
function reduce(b: TorchBackend, op: typeof SUM, x: TensorInfo, axis: number | number[] | undefined, keepDims: boolean, extra = false): TensorInfo {
  const dims = axes(axis, x.shape.length);
  if (dims.length === 0) return b.share(x);
  if (x.shape.length === 0) return b.share(x);
  const call = b.op.begin(op).t(x).ints(dims).n(keepDims);
  if (extra) call.none();
  return call.one();
}

export function reshape(b: TorchBackend, x: TensorInfo, shape: readonly number[]): TensorInfo {
  return b.op.begin(RESHAPE).t(x).ints(shape).one();
}

export function permute(b: TorchBackend, x: TensorInfo, perm: readonly number[]): TensorInfo {
  return b.op.begin(PERMUTE).t(x).ints(perm).one();
}

export function narrow(b: TorchBackend, x: TensorInfo, dim: number, start: number, length: number): TensorInfo {
  return b.op.begin(NARROW).t(x).n(dim).n(start).n(length).one();
}

/** Pads the trailing dims: `pad` is ATen's order, last dim first ([left, right, top, bottom]). */
export function constantPad(b: TorchBackend, x: TensorInfo, pad: readonly number[], value: number): TensorInfo {
  return b.op.begin(PAD).t(x).ints(pad).f(value).one();
}

/** A tensor of `shape` filled with `value`. */
export function full(b: TorchBackend, shape: readonly number[], value: number, dtype: string): TensorInfo {
  const code = (SCALAR_TYPE as Record<string, number>)[dtype] ?? SCALAR_TYPE.float32;
  return dtype === 'float32' ? b.op.begin(FULL).ints(shape).f(value).n(code).one() : b.op.begin(FULL).ints(shape).i(value).n(code).one();
}

function argReduce(b: TorchBackend, op: typeof ARGMAX, x: TensorInfo, axis: number | number[]): TensorInfo {
  const dim = axes(axis, x.shape.length)[0] ?? 0;
  return b.op.begin(op).t(x).n(dim).n(false).one();
}

function slice(b: TorchBackend, x: TensorInfo, beginAttr: number | number[], sizeAttr: number | number[]): TensorInfo {
  const [begin, size] = slice_util.parseSliceParams(x as never, beginAttr, sizeAttr);
  let out: TensorInfo | null = null;
  for (let d = 0; d < x.shape.length; d++) {
    if (begin[d] === 0 && size[d] === x.shape[d]) continue;
    const next = narrow(b, out ?? x, d, begin[d]!, size[d]!);
    if (out) b.release(out);
    out = next;
  }
  return out ?? b.share(x);
}

function gather(b: TorchBackend, x: TensorInfo, indices: TensorInfo, axisAttr: number, batchDims: number): TensorInfo {
  if (batchDims !== 0) throw new Error(`twinml torch GatherV2: batchDims ${batchDims} is not supported (0 is)`);
  const axis = axisAttr < 0 ? axisAttr + x.shape.length : axisAttr;
  const flat = reshape(b, indices, [-1]);
  const picked = b.op.begin(INDEX_SELECT).t(x).n(axis).t(flat).one();
  b.release(flat);
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = reshape(b, picked, shape);
  b.release(picked);
  return out;
}

function unsortedSegmentSum(b: TorchBackend, x: TensorInfo, ids: TensorInfo, numSegments: number): TensorInfo {
  const inner = x.shape.slice(ids.shape.length);
  const flatIds = reshape(b, ids, [-1]);
  const flatX = reshape(b, x, [-1, ...inner]);
  const zeros = b.op.begin(ZEROS).ints([numSegments, ...inner]).n(SCALAR_TYPE[x.dtype as 'float32']).one();
  const out = b.op.begin(INDEX_ADD).t(zeros).n(0).t(flatIds).t(flatX).one();
  [flatIds, flatX, zeros].forEach((t) => b.release(t));
  return out;
}

function oneHot(b: TorchBackend, indices: TensorInfo, depth: number, on: number, off: number, dtype: string): TensorInfo {
  const range = b.op.begin(ARANGE).i(0).i(depth).i(1).n(SCALAR_TYPE.int32).one();
  const column = b.op.begin(UNSQUEEZE).t(indices).n(-1).one();
  const column32 = cast(b, column, 'int32');
  const mask = b.op.begin(EQ).t(column32).t(range).one();
  const values = b.op.begin(WHERE_SCALAR).t(mask).f(on).f(off).one();
  const out = cast(b, values, dtype);
  [range, column, column32, mask, values].forEach((t) => b.release(t));
  return out;
}

function cumsum(b: TorchBackend, x: TensorInfo, axisAttr: number, exclusive: boolean, reverse: boolean): TensorInfo {
  const axis = axisAttr < 0 ? axisAttr + x.shape.length : axisAttr;
  const input = reverse ? b.op.begin(FLIP).t(x).ints([axis]).one() : b.share(x);
  const summed = b.op.begin(CUMSUM).t(input).n(axis).n(SCALAR_TYPE[x.dtype as 'float32'] ?? SCALAR_TYPE.float32).one();
  const shifted = exclusive ? b.op.begin(SUB).t(summed).t(input).one() : b.share(summed);
  const out = reverse ? b.op.begin(FLIP).t(shifted).ints([axis]).one() : b.share(shifted);
  [input, summed, shifted].forEach((t) => b.release(t));
  return out;
}

export function shapeKernels(): KernelConfig[] {
  return [
    kernel('Sum', (b, { x }, a) => reduce(b, SUM, x!, a.axis as number[], a.keepDims as boolean, true)),
    kernel('Mean', (b, { x }, a) => reduce(b, MEAN, x!, a.axis as number[], a.keepDims as boolean, true)),
    kernel('Max', (b, { x }, a) => reduce(b, AMAX, x!, a.reductionIndices as number[], a.keepDims as boolean)),
    kernel('Min', (b, { x }, a) => reduce(b, AMIN, x!, a.axis as number[], a.keepDims as boolean)),
    kernel('All', (b, { x }, a) => reduce(b, ALL, x!, a.axis as number[], a.keepDims as boolean)),
    kernel('Any', (b, { x }, a) => reduce(b, ANY, x!, a.axis as number[], a.keepDims as boolean)),
    kernel('Prod', (b, { x }, a) => {
      const dims = axes(a.axis as number[], x!.shape.length).reverse();
      let out = b.share(x!);
      for (const d of dims) {
        const next = b.op.begin(PROD).t(out).n(d).n(a.keepDims as boolean).one();
        b.release(out);
        out = next;
      }
      return out;
    }),
    kernel('ArgMax', (b, { x }, a) => argReduce(b, ARGMAX, x!, a.axis as number)),
    kernel('ArgMin', (b, { x }, a) => argReduce(b, ARGMIN, x!, a.axis as number)),
    kernel('Reshape', (b, { x }, a) => reshape(b, x!, util.inferFromImplicitShape(a.shape as number[], util.sizeFromShape(x!.shape)))),
    kernel('Transpose', (b, { x }, a) => permute(b, x!, a.perm as number[])),
    kernel('ExpandDims', (b, { input }, a) => b.op.begin(UNSQUEEZE).t(input!).n(a.dim as number).one()),
    kernel('Squeeze', (b, { x }, a) => reshape(b, x!, util.squeezeShape(x!.shape, util.parseAxisParam(a.axis as number[], x!.shape)).newShape)),
    kernel('Concat', (b, inputs, a) => {
      const list = Object.values(inputs) as TensorInfo[];
      const axis = util.parseAxisParam(a.axis as number, list[0]!.shape)[0]!;
      return b.op.begin(CAT).tensors(list.filter((t) => util.sizeFromShape(t.shape) > 0 || list.length === 1)).n(axis).one();
    }),
    kernel('Pack', (b, inputs, a) => b.op.begin(STACK).tensors(Object.values(inputs) as TensorInfo[]).n(a.axis as number).one()),
    kernel('Unpack', (b, { value }, a) => b.op.begin(UNBIND).t(value!).n(a.axis as number).all()),
    kernel('Tile', (b, { x }, a) => b.op.begin(REPEAT).t(x!).ints(a.reps as number[]).one()),
    kernel('PadV2', (b, { x }, a) => {
      const paddings = a.paddings as Array<[number, number]>;
      const pad = paddings.slice().reverse().flat();
      return b.op.begin(PAD).t(x!).ints(pad).scalarFor(x!, a.constantValue as number).one();
    }),
    kernel('Reverse', (b, { x }, a) => b.op.begin(FLIP).t(x!).ints(util.parseAxisParam(a.dims as number[], x!.shape)).one()),
    kernel('Slice', (b, { x }, a) => slice(b, x!, a.begin as number[], a.size as number[])),
    kernel('SplitV', (b, { x }, a) => {
      const axis = util.parseAxisParam(a.axis as number, x!.shape)[0]!;
      const sizes = backend_util.prepareSplitSize(x as never, a.numOrSizeSplits as number[], axis);
      return b.op.begin(SPLIT).t(x!).ints(sizes).n(axis).all();
    }),
    kernel('BroadcastTo', (b, { x }, a) => b.op.begin(EXPAND).t(x!).ints(a.shape as number[]).one()),
    kernel('GatherV2', (b, { x, indices }, a) => gather(b, x!, indices!, a.axis as number, (a.batchDims as number) ?? 0)),
    kernel('UnsortedSegmentSum', (b, { x, segmentIds }, a) => unsortedSegmentSum(b, x!, segmentIds!, a.numSegments as number)),
    kernel('OneHot', (b, { indices }, a) => oneHot(b, indices!, a.depth as number, a.onValue as number, a.offValue as number, a.dtype as string)),
    kernel('Fill', (b, _inputs, a) => full(b, a.shape as number[], a.value as number, a.dtype as string)),
    kernel('ZerosLike', (b, { x }) => b.op.begin(ZEROS_LIKE).t(x!).one()),
    kernel('OnesLike', (b, { x }) => b.op.begin(ONES_LIKE).t(x!).one()),
    kernel('Range', (b, _inputs, a) => {
      const dtype = (a.dtype as string) === 'int32' ? SCALAR_TYPE.int32 : SCALAR_TYPE.float32;
      return b.op.begin(ARANGE).f(a.start as number).f(a.stop as number).f(a.step as number).n(dtype).one();
    }),
    kernel('Cumsum', (b, { x }, a) => cumsum(b, x!, a.axis as number, a.exclusive as boolean, a.reverse as boolean)),
    kernel('TopK', (b, { x }, a) => b.op.begin(TOPK).t(x!).n(a.k as number).n(-1).n(true).n(a.sorted as boolean).all()),
  ];
}
