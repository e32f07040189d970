/**
 * twinml's fused kernels of the sequence modules on the `torch` backend, each one ATen kernel, the one PyTorch eager
 * runs for the same module:
 * - TwinmlLayerNorm / TwinmlLayerNormBackward (F.layer_norm, nn.LayerNorm): at::native_layer_norm and
 *   at::native_layer_norm_backward (mean and rstd travel as [rows], the wasm kernels' contract);
 * - TwinmlSoftmaxBackward (Softmax's gradient): at::_softmax_backward_data over the last axis;
 * - TwinmlGelu / TwinmlGeluGrad (F.gelu, nn.GELU): at::gelu and at::gelu_backward with `approximate`;
 * - TwinmlScaledDotProductAttention / ...Grad (F.scaled_dot_product_attention): ATen's CPU flash attention,
 *   at::_scaled_dot_product_flash_attention_for_cpu and its backward (what torch's SDPA picks on CPU); registered
 *   while the backend's device is the cpu (register.ts `configureTorch`), elsewhere attention stays composed.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { LAYER_NORM, LAYER_NORM_BACKWARD, SOFTMAX_BACKWARD, type FusedKernelConfig } from '../sequence-kernels.js';
import { GELU, GELU_GRAD } from '../gelu-kernel-names.js';
import { SCALED_DOT_PRODUCT_ATTENTION, SCALED_DOT_PRODUCT_ATTENTION_GRAD, type ScaledDotProductAttentionAttrs } from '../attention-kernel-names.js';
import { aten } from './op-call.js';
import { kernel } from './kernel.js';
import { SCALAR_TYPE } from './native.js';
import type { TorchBackend } from './backend.js';
import { reshape } from './kernels-shape.js';

const NATIVE_LAYER_NORM = aten('native_layer_norm');
const NATIVE_LAYER_NORM_BACKWARD = aten('native_layer_norm_backward');
const SOFTMAX_BACKWARD_DATA = aten('_softmax_backward_data');
const GELU_OP = aten('gelu');
const GELU_BACKWARD = aten('gelu_backward');
const NEW_ZEROS = aten('new_zeros');
const FLASH_ATTENTION = aten('_scaled_dot_product_flash_attention_for_cpu');
const FLASH_ATTENTION_BACKWARD = aten('_scaled_dot_product_flash_attention_for_cpu_backward');

function float32(name: string, tensors: Record<string, TensorInfo | undefined>): void {
  for (const [k, t] of Object.entries(tensors)) {
    if (t && t.dtype !== 'float32') throw new Error(`twinml torch ${name}: input ${k} must be float32, got ${t.dtype}`);
  }
}

function required(name: string, tensors: Record<string, TensorInfo | undefined>): void {
  for (const [k, t] of Object.entries(tensors)) if (!t) throw new Error(`twinml torch ${name}: input ${k} is missing`);
}

function approximation(name: string, value: unknown): string {
  const a = value ?? 'none';
  if (a !== 'none' && a !== 'tanh') throw new Error(`twinml torch ${name}: approximate must be 'none' or 'tanh', got '${String(a)}'`);
  return a;
}

/** [rows] view of native_layer_norm's [..., 1] statistics (released). */
function rowsView(b: TorchBackend, t: TensorInfo, rows: number): TensorInfo {
  const out = reshape(b, t, [rows]);
  b.release(t);
  return out;
}

/** TwinmlLayerNorm, marked for inference too (one ATen kernel beats the composition with or without gradients). */
function layerNorm(): FusedKernelConfig {
  const config: FusedKernelConfig = kernel(LAYER_NORM, (b, { x, weight, bias }, attrs) => {
    required(LAYER_NORM, { x });
    float32(LAYER_NORM, { x, weight, bias });
    const d = x!.shape[x!.shape.length - 1] ?? 1;
    const rows = x!.shape.slice(0, -1).reduce((p, q) => p * q, 1);
    const [y, mean, rstd] = b.op.begin(NATIVE_LAYER_NORM).t(x!).ints([d]).optT(weight).optT(bias).n(attrs.eps as number).all();
    return [y!, rowsView(b, mean!, rows), rowsView(b, rstd!, rows)];
  });
  config.forInference = true;
  return config;
}

function layerNormBackward(): KernelConfig {
  return kernel(LAYER_NORM_BACKWARD, (b, { dy, x, mean, rstd, weight }) => {
    required(LAYER_NORM_BACKWARD, { dy, x, mean, rstd });
    float32(LAYER_NORM_BACKWARD, { dy, x, mean, rstd, weight });
    const d = x!.shape[x!.shape.length - 1] ?? 1;
    // ATen computes dweight only for a given weight, and dbias (Σ dy) only with a bias argument, which it reads for
    // its shape alone: the weight, or zeros without one. The outputs are always [dx, dweight, dbias].
    const zeros = () => b.op.begin(NEW_ZEROS).t(x!).ints([d]).one();
    if (weight) return b.op.begin(NATIVE_LAYER_NORM_BACKWARD).t(dy!).t(x!).ints([d]).t(mean!).t(rstd!).t(weight).t(weight).ints([1, 1, 1]).all();
    const shapeOnly = zeros();
    const [dx, dbias] = b.op.begin(NATIVE_LAYER_NORM_BACKWARD).t(dy!).t(x!).ints([d]).t(mean!).t(rstd!).none().t(shapeOnly).ints([1, 0, 1]).all();
    b.release(shapeOnly);
    return [dx!, zeros(), dbias!];
  });
}

function attentionInputs(name: string, inputs: Record<string, TensorInfo | undefined>): void {
  required(name, inputs);
  float32(name, inputs);
  const { query, key, value } = inputs as Record<string, TensorInfo>;
  const ok = query.shape.length === 4 && key.shape.length === 4 && value.shape.length === 4;
  if (!ok) throw new Error(`twinml torch ${name}: query, key and value must be [B, H, L, E], got [${query.shape}], [${key.shape}], [${value.shape}]`);
}

export function sequenceKernels(): KernelConfig[] {
  return [
    layerNorm(),
    layerNormBackward(),
    kernel(SOFTMAX_BACKWARD, (b, { dy, y }) => {
      required(SOFTMAX_BACKWARD, { dy, y });
      float32(SOFTMAX_BACKWARD, { dy, y });
      return b.op.begin(SOFTMAX_BACKWARD_DATA).t(dy!).t(y!).n(-1).n(SCALAR_TYPE.float32).one();
    }),
    kernel(GELU, (b, { x }, attrs) => {
      required(GELU, { x });
      float32(GELU, { x });
      return b.op.begin(GELU_OP).t(x!).s(approximation(GELU, attrs.approximate)).one();
    }),
    kernel(GELU_GRAD, (b, { dy, x }, attrs) => {
      required(GELU_GRAD, { dy, x });
      float32(GELU_GRAD, { dy, x });
      return b.op.begin(GELU_BACKWARD).t(dy!).t(x!).s(approximation(GELU_GRAD, attrs.approximate)).one();
    }),
    kernel(SCALED_DOT_PRODUCT_ATTENTION, (b, { query, key, value }, attrs) => {
      attentionInputs(SCALED_DOT_PRODUCT_ATTENTION, { query, key, value });
      const o = attrs as unknown as ScaledDotProductAttentionAttrs;
      const call = b.op.begin(FLASH_ATTENTION).t(query!).t(key!).t(value!).n(0).n(o.isCausal === true).none();
      return (o.scale == null ? call.none() : call.n(o.scale)).all();
    }),
    kernel(SCALED_DOT_PRODUCT_ATTENTION_GRAD, (b, { dy, query, key, value, out, logsumexp }, attrs) => {
      attentionInputs(SCALED_DOT_PRODUCT_ATTENTION_GRAD, { dy, query, key, value, out, logsumexp });
      const o = attrs as unknown as ScaledDotProductAttentionAttrs;
      const call = b.op.begin(FLASH_ATTENTION_BACKWARD).t(dy!).t(query!).t(key!).t(value!).t(out!).t(logsumexp!).n(0).n(o.isCausal === true).none();
      return (o.scale == null ? call.none() : call.n(o.scale)).all();
    }),
  ];
}
