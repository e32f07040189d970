/**
 * Matrix products and softmax of the `torch` backend: BatchMatMul as ATen matmul on transposed views, and
 * _FusedMatMul (a Linear) as PyTorch's F.linear computes it: addmm(bias, x, W^T) for 2-D inputs, then the
 * activation in place on the fresh product. The _FusedMatMul config is marked as twinml's, so nn.Linear (and a
 * Linear followed by ReLU in a Sequential) runs as this one kernel (src/backend/linear-product.ts `fusesLinear`),
 * with twinml's per-input gradient (src/backend/fused-matmul-grad.ts).
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { TwinmlKernelConfig } from '../linear-product.js';
import { LINEAR, LINEAR_GRAD, type LinearGradPart } from '../linear-kernel-names.js';
import { aten } from './op-call.js';
import { kernel } from './kernel.js';
import type { TorchBackend } from './backend.js';

const MATMUL = aten('matmul');
const MM = aten('mm');
const TRANSPOSE = aten('transpose', 'int');
const ADDMM = aten('addmm');
const ADD = aten('add', 'Tensor');
const RELU = aten('relu');
const RELU_ = aten('relu_');
const SELECT = aten('select', 'int');
const UNSQUEEZE = aten('unsqueeze');
const SOFTMAX = aten('_softmax');
const SIGMOID = aten('sigmoid');
const ELU = aten('elu');
const LEAKY_RELU = aten('leaky_relu');
const HARDTANH = aten('hardtanh');
const LINEAR_OP = aten('linear');
const TENSORDOT = aten('tensordot');
const SUM = aten('sum', 'dim_IntList');

function transposed(b: TorchBackend, x: TensorInfo, yes: boolean): TensorInfo {
  return yes ? b.op.begin(TRANSPOSE).t(x).n(-2).n(-1).one() : b.share(x);
}

/**
 * Applies a tfjs fused activation to `y` (consumed). `fresh`: y is a kernel's new result that nothing else holds,
 * so ReLU may run in place (relu_, as an inplace nn.ReLU would: the same values, no second buffer).
 */
export function activate(b: TorchBackend, y: TensorInfo, activation: string | undefined, leakyreluAlpha?: number, fresh = false): TensorInfo {
  if (!activation || activation === 'linear') return y;
  let out: TensorInfo;
  if (activation === 'relu') out = b.op.begin(fresh ? RELU_ : RELU).t(y).one();
  else if (activation === 'sigmoid') out = b.op.begin(SIGMOID).t(y).one();
  else if (activation === 'elu') out = b.op.begin(ELU).t(y).one();
  else if (activation === 'relu6') out = b.op.begin(HARDTANH).t(y).f(0).f(6).one();
  else if (activation === 'leakyrelu') out = b.op.begin(LEAKY_RELU).t(y).f(leakyreluAlpha ?? 0.2).one();
  else throw new Error(`twinml torch: fused activation '${activation}' is not supported`);
  b.release(y);
  return out;
}

/** op(a)·op(b) (+ bias), batched over leading dims. */
function matMul(b: TorchBackend, a: TensorInfo, w: TensorInfo, tA: boolean, tB: boolean, bias?: TensorInfo): TensorInfo {
  const at = transposed(b, a, tA);
  const bt = transposed(b, w, tB);
  let out: TensorInfo;
  if (at.shape.length === 3 && at.shape[0] === 1 && bt.shape[0] === 1) {
    // tfjs passes 2-D products as [1, M, K]: mm / addmm on the 2-D views, as torch's F.linear and x @ W.
    const a2 = b.op.begin(SELECT).t(at).n(0).n(0).one();
    const b2 = b.op.begin(SELECT).t(bt).n(0).n(0).one();
    const y2 = bias ? b.op.begin(ADDMM).t(bias).t(a2).t(b2).one() : b.op.begin(MM).t(a2).t(b2).one();
    out = b.op.begin(UNSQUEEZE).t(y2).n(0).one();
    [a2, b2, y2].forEach((t) => b.release(t));
  } else if (at.shape.length === 2) {
    out = bias ? b.op.begin(ADDMM).t(bias).t(at).t(bt).one() : b.op.begin(MM).t(at).t(bt).one();
  } else {
    out = b.op.begin(MATMUL).t(at).t(bt).one();
    if (bias) {
      const y = b.op.begin(ADD).t(out).t(bias).one();
      b.release(out);
      out = y;
    }
  }
  b.release(at);
  b.release(bt);
  return out;
}

/** _FusedMatMul, marked as twinml's (Linear layers run as this one kernel on torch). */
function fusedMatMul(): TwinmlKernelConfig {
  const config: TwinmlKernelConfig = kernel('_FusedMatMul', (b, { a, b: w, bias }, attrs) => {
    const y = matMul(b, a!, w!, attrs.transposeA as boolean, attrs.transposeB as boolean, bias);
    return activate(b, y, attrs.activation as string | undefined, attrs.leakyreluAlpha as number | undefined, true);
  });
  config.twinml = true;
  return config;
}

/** The leading axes [0, rank - 1) of a Linear's dy, over which dweight and dbias sum. */
const leadingAxes = (dy: TensorInfo): number[] => [...Array(dy.shape.length - 1).keys()];

/**
 * TwinmlLinear as F.linear computes it (at::linear: addmm on the flattened rows of a contiguous input), and its
 * gradients as PyTorch's autograd does: dx = dy·W (matmul, which folds the leading axes into one mm), dW = dyᵀ·x
 * over the leading axes (tensordot: one mm on transposed views, no copy) and db = Σ dy over them.
 */
function linearKernels(): KernelConfig[] {
  return [
    kernel(LINEAR, (b, { x, weight, bias }) => b.op.begin(LINEAR_OP).t(x!).t(weight!).optT(bias).one()),
    kernel(LINEAR_GRAD, (b, { dy, x, weight }, attrs) => {
      const part = attrs.part as LinearGradPart;
      if (part === 'input') return b.op.begin(MATMUL).t(dy!).t(weight!).one();
      const lead = leadingAxes(dy!);
      if (part === 'weight') return b.op.begin(TENSORDOT).t(dy!).t(x!).ints(lead).ints(lead).one();
      if (part === 'bias') return lead.length === 0 ? b.share(dy!) : b.op.begin(SUM).t(dy!).ints(lead).n(false).none().one();
      throw new Error(`twinml torch ${LINEAR_GRAD}: part must be 'input', 'weight' or 'bias', got '${String(part)}'`);
    }),
  ];
}

export function matmulKernels(): KernelConfig[] {
  return [
    ...linearKernels(),
    kernel('BatchMatMul', (b, { a, b: w }, attrs) => matMul(b, a!, w!, attrs.transposeA as boolean, attrs.transposeB as boolean)),
    fusedMatMul(),
    kernel('Softmax', (b, { logits }, attrs) => {
      const dim = (attrs.dim as number[] | number | undefined) ?? -1;
      return b.op.begin(SOFTMAX).t(logits!).n(Array.isArray(dim) ? dim[0]! : dim).n(false).one();
    }),
  ];
}
