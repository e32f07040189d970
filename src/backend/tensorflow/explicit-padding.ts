/**
 * Explicit (PyTorch-style, possibly asymmetric) padding for the `tensorflow` backend's convolution-gradient and
 * max-pool kernels. tfjs-node 4.22's Conv2DBackpropInput/Filter, MaxPool and MaxPoolGrad throw
 * "TF Backend supports only 'valid' and 'same' padding while padding was EXPLICIT" and its depthwise gradients pass
 * EXPLICIT without `explicit_paddings`, although TensorFlow's own ops
 * (Conv2DBackpropInput/Filter, DepthwiseConv2dNativeBackpropInput/Filter, MaxPool, MaxPoolGrad) accept
 * `padding: "EXPLICIT"` with `explicit_paddings`. These kernels call those ops directly for EXPLICIT padding and
 * hand every other case to tfjs-node's original kernel unchanged. (Conv2D and DepthwiseConv2dNative forward
 * already support EXPLICIT in tfjs-node.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** One attribute of a TensorFlow op, as tfjs-node's binding takes it. */
interface OpAttr {
  name: string;
  type: number;
  value: number | number[] | string | boolean;
}

/** The part of tfjs-node's NodeJSKernelBackend these kernels use. */
interface TensorflowKernelBackend {
  binding: { TF_ATTR_INT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: TensorInfo[]): TensorInfo;
}

type PadInfo = backend_util.PadInfo;

function asTensorflowBackend(backend: unknown, kernel: string): TensorflowKernelBackend {
  const b = backend as Partial<TensorflowKernelBackend>;
  if (typeof b.executeSingleOutput !== 'function' || !b.binding) {
    throw new Error(`twinml: ${kernel} with explicit padding needs the tensorflow backend (tfjs-node), got ${tf.getBackend()}`);
  }
  return b as TensorflowKernelBackend;
}

/** Attributes shared by the six ops: T=float32, strides, padding EXPLICIT, explicit_paddings, NHWC. */
function explicitAttrs(backend: TensorflowKernelBackend, kernel: string, dtype: string, strides: [number, number], pad: PadInfo): OpAttr[] {
  if (dtype !== 'float32') throw new Error(`twinml: ${kernel} with explicit padding on the tensorflow backend supports float32, got ${dtype}`);
  const { binding } = backend;
  return [
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'strides', type: binding.TF_ATTR_INT, value: [1, strides[0], strides[1], 1] },
    { name: 'padding', type: binding.TF_ATTR_STRING, value: 'EXPLICIT' },
    { name: 'explicit_paddings', type: binding.TF_ATTR_INT, value: [0, 0, pad.top, pad.bottom, pad.left, pad.right, 0, 0] },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' },
  ];
}

/** Attributes for SAME padding: T=float32, strides, padding SAME, NHWC. */
function sameAttrs(backend: TensorflowKernelBackend, kernel: string, dtype: string, strides: [number, number]): OpAttr[] {
  return explicitAttrs(backend, kernel, dtype, strides, { top: 0, bottom: 0, left: 0, right: 0, type: 'SAME' })
    .filter((a) => a.name !== 'explicit_paddings')
    .map((a) => (a.name === 'padding' ? { ...a, value: 'SAME' } : a));
}

function intAttr(backend: TensorflowKernelBackend, name: string, value: number[]): OpAttr {
  return { name, type: backend.binding.TF_ATTR_INT, value };
}

/** Runs a TensorFlow op whose first or second input is a shape (int32), disposing that shape tensor. */
function runWithShape(backend: TensorflowKernelBackend, op: string, attrs: OpAttr[], inputs: Array<TensorInfo | number[]>): TensorInfo {
  const shapes: tf.Tensor[] = [];
  const resolved = inputs.map((input) => {
    if (!Array.isArray(input)) return input;
    const shape = tf.tensor1d(input, 'int32');
    shapes.push(shape);
    return shape;
  });
  try {
    return backend.executeSingleOutput(op, attrs, resolved);
  } finally {
    tf.dispose(shapes);
  }
}

/** The kernel replacing `original`: EXPLICIT padding through `explicit`, everything else through `original`. */
function withExplicitPadding(original: KernelConfig, padInfoOf: (args: Parameters<KernelFunc>[0]) => PadInfo, explicit: (args: Parameters<KernelFunc>[0], pad: PadInfo) => TensorInfo): KernelConfig {
  return {
    kernelName: original.kernelName,
    backendName: original.backendName,
    kernelFunc: (args) => {
      const pad = padInfoOf(args);
      return pad.type === 'EXPLICIT' ? explicit(args, pad) : original.kernelFunc(args);
    },
  };
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: backend_util.ExplicitPadding | 'valid' | 'same' | number;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: backend_util.ExplicitPadding | 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function shape4(t: TensorInfo): [number, number, number, number] {
  return t.shape as [number, number, number, number];
}

function convInfo(args: Parameters<KernelFunc>[0], depthwise: boolean, pad?: 'same'): backend_util.Conv2DInfo {
  const a = args.attrs as unknown as ConvAttrs;
  const { filter, x } = args.inputs as Record<string, TensorInfo>;
  const inShape = a.inputShape ?? shape4(x!);
  const filterShape = a.filterShape ?? shape4(filter!);
  return backend_util.computeConv2DInfo(inShape, filterShape, a.strides, a.dilations ?? 1, pad ?? a.pad, a.dimRoundingMode, depthwise);
}

/** True when explicit padding `pad` is exactly what TensorFlow's SAME padding gives for this geometry. */
function isSamePadding(args: Parameters<KernelFunc>[0], depthwise: boolean, pad: PadInfo): boolean {
  const same = convInfo(args, depthwise, 'same').padInfo;
  return same.top === pad.top && same.bottom === pad.bottom && same.left === pad.left && same.right === pad.right;
}

function poolInfo(args: Parameters<KernelFunc>[0]): backend_util.Conv2DInfo {
  const a = args.attrs as unknown as PoolAttrs;
  const { x, input } = args.inputs as Record<string, TensorInfo>;
  return backend_util.computePool2DInfo(shape4((x ?? input)!), a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

function convOp(op: 'Conv2DBackpropInput' | 'Conv2DBackpropFilter' | 'DepthwiseConv2dNativeBackpropInput' | 'DepthwiseConv2dNativeBackpropFilter') {
  const depthwise = op.startsWith('Depthwise');
  const forInput = op.endsWith('Input');
  return (args: Parameters<KernelFunc>[0], pad: PadInfo): TensorInfo => {
    const backend = asTensorflowBackend(args.backend, op);
    const info = convInfo(args, depthwise);
    const { dy, filter, x } = args.inputs as Record<string, TensorInfo>;
    const strides: [number, number] = [info.strideHeight, info.strideWidth];
    // Padding that equals SAME (3x3, stride 1, padding 1, ...) goes as SAME: the same numbers, and TensorFlow's oneDNN
    // rewrite (TF_ENABLE_ONEDNN_OPTS=1) takes SAME convolution gradients but not EXPLICIT ones.
    const attrs = [
      ...(isSamePadding(args, depthwise, pad) ? sameAttrs(backend, op, dy!.dtype, strides) : explicitAttrs(backend, op, dy!.dtype, strides, pad)),
      intAttr(backend, 'dilations', [1, info.dilationHeight, info.dilationWidth, 1]),
    ];
    if (!depthwise) attrs.push({ name: 'use_cudnn_on_gpu', type: backend.binding.TF_ATTR_BOOL, value: true });
    const filterShape = [info.filterHeight, info.filterWidth, info.inChannels, depthwise ? info.outChannels / info.inChannels : info.outChannels];
    // TensorFlow's signatures: *BackpropInput(input_sizes, filter, out_backprop), *BackpropFilter(input, filter_sizes, out_backprop).
    return forInput
      ? runWithShape(backend, op, attrs, [info.inShape, filter!, dy!])
      : runWithShape(backend, op, attrs, [x!, filterShape, dy!]);
  };
}

function maxPoolOp(op: 'MaxPool' | 'MaxPoolGrad') {
  return (args: Parameters<KernelFunc>[0], pad: PadInfo): TensorInfo => {
    const backend = asTensorflowBackend(args.backend, op);
    const info = poolInfo(args);
    const { x, dy, input, output } = args.inputs as Record<string, TensorInfo>;
    const attrs = [
      ...explicitAttrs(backend, op, (x ?? input)!.dtype, [info.strideHeight, info.strideWidth], pad),
      intAttr(backend, 'ksize', [1, info.filterHeight, info.filterWidth, 1]),
    ];
    // MaxPool(input); MaxPoolGrad(orig_input, orig_output, grad). Padded cells are -inf: they never win.
    return backend.executeSingleOutput(op, attrs, op === 'MaxPool' ? [x!] : [input!, output!, dy!]);
  };
}

/**
 * The replacement kernels, given tfjs-node's registered originals (looked up by name on the `tensorflow` backend).
 * @param original - returns tfjs-node's own kernel config for a kernel name
 */
export function explicitPaddingKernels(original: (kernelName: string) => KernelConfig): KernelConfig[] {
  const conv = (name: Parameters<typeof convOp>[0], depthwise: boolean) =>
    withExplicitPadding(original(name), (args) => convInfo(args, depthwise).padInfo, convOp(name));
  const pool = (name: Parameters<typeof maxPoolOp>[0]) => withExplicitPadding(original(name), (args) => poolInfo(args).padInfo, maxPoolOp(name));
  return [
    conv('Conv2DBackpropInput', false),
    conv('Conv2DBackpropFilter', false),
    conv('DepthwiseConv2dNativeBackpropInput', true),
    conv('DepthwiseConv2dNativeBackpropFilter', true),
    pool('MaxPool'),
    pool('MaxPoolGrad'),
  ];
}
