/**
 * Elementwise kernels of the `torch` backend: tfjs unary/binary kernels map one-to-one to ATen operators (both
 * broadcast numpy-style), plus Cast, ClipByValue, Select, Step and the activations with attributes.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { aten, type AtenOp } from './op-call.js';
import { input, kernel } from './kernel.js';
import { SCALAR_TYPE } from './native.js';
import type { TorchBackend } from './backend.js';

/** tfjs unary kernel -> ATen operator (input `x`). */
const UNARY: Record<string, string> = {
  Abs: 'abs', Acos: 'acos', Acosh: 'acosh', Asin: 'asin', Asinh: 'asinh', Atan: 'atan', Atanh: 'atanh', Ceil: 'ceil',
  Cos: 'cos', Cosh: 'cosh', Erf: 'erf', Exp: 'exp', Expm1: 'expm1', Floor: 'floor', IsNan: 'isnan', IsInf: 'isinf',
  IsFinite: 'isfinite', Log: 'log', Log1p: 'log1p', Neg: 'neg', Reciprocal: 'reciprocal', Relu: 'relu', Round: 'round',
  Rsqrt: 'rsqrt', Selu: 'selu', Sigmoid: 'sigmoid', Sign: 'sign', Sin: 'sin', Sinh: 'sinh', Sqrt: 'sqrt', Square: 'square',
  Tan: 'tan', Tanh: 'tanh', Elu: 'elu', Softplus: 'softplus', LogicalNot: 'logical_not',
};

/** tfjs binary kernel -> [ATen operator, overload] (inputs `a`, `b`). */
const BINARY: Record<string, [string, string]> = {
  Add: ['add', 'Tensor'], Sub: ['sub', 'Tensor'], Multiply: ['mul', 'Tensor'], RealDiv: ['div', 'Tensor'],
  Maximum: ['maximum', ''], Minimum: ['minimum', ''], Pow: ['pow', 'Tensor_Tensor'], Atan2: ['atan2', ''],
  Mod: ['remainder', 'Tensor'], Equal: ['eq', 'Tensor'], NotEqual: ['ne', 'Tensor'], Greater: ['gt', 'Tensor'],
  GreaterEqual: ['ge', 'Tensor'], Less: ['lt', 'Tensor'], LessEqual: ['le', 'Tensor'], LogicalAnd: ['logical_and', ''],
  LogicalOr: ['logical_or', ''], LogicalXor: ['logical_xor', ''],
};

const TO_COPY = aten('_to_copy');
const CLAMP = aten('clamp');
const WHERE = aten('where', 'self');
const WHERE_SCALAR = aten('where', 'Scalar');
const GT_SCALAR = aten('gt', 'Scalar');
const ISNAN = aten('isnan');
const LEAKY_RELU = aten('leaky_relu');
const HARDTANH = aten('hardtanh');
const SUB = aten('sub', 'Tensor');
const ADD = aten('add', 'Tensor');
const MUL = aten('mul', 'Tensor');
const DIV_MODE = aten('div', 'Tensor_mode');
const ELU_BACKWARD = aten('elu_backward');
const THRESHOLD_BACKWARD = aten('threshold_backward');

/** x cast to `dtype` (a new tensor; shares x when the dtype is already right). */
export function cast(b: TorchBackend, x: TensorInfo, dtype: string): TensorInfo {
  if (x.dtype === dtype) return b.share(x);
  const code = (SCALAR_TYPE as Record<string, number>)[dtype];
  if (code === undefined) throw new Error(`twinml torch Cast: dtype ${dtype} is not supported`);
  return b.op.begin(TO_COPY).t(x).n(code).one();
}

function unaryKernels(): KernelConfig[] {
  return Object.entries(UNARY).map(([name, op]) => {
    const a = aten(op);
    return kernel(name, (b, inputs) => b.op.begin(a).t(input(inputs, 'x', name)).one());
  });
}

function binaryKernels(): KernelConfig[] {
  return Object.entries(BINARY).map(([name, [op, overload]]) => {
    const a: AtenOp = aten(op, overload);
    return kernel(name, (b, inputs) => b.op.begin(a).t(input(inputs, 'a', name)).t(input(inputs, 'b', name)).one());
  });
}

export function elementwiseKernels(): KernelConfig[] {
  return [
    ...unaryKernels(),
    ...binaryKernels(),
    kernel('FloorDiv', (b, { a, b: d }) => b.op.begin(DIV_MODE).t(a!).t(d!).s('floor').one()),
    kernel('SquaredDifference', (b, { a, b: d }) => {
      const diff = b.op.begin(SUB).t(a!).t(d!).one();
      const out = b.op.begin(MUL).t(diff).t(diff).one();
      b.release(diff);
      return out;
    }),
    // tf.addN (the pair parity check sums the cotangent products of several outputs with it): a left fold of add.
    kernel('AddN', (b, inputs) => {
      const terms = Object.values(inputs);
      if (terms.length === 0) throw new Error('twinml torch AddN: no inputs');
      let sum = b.share(terms[0]!);
      for (const t of terms.slice(1)) {
        const next = b.op.begin(ADD).t(sum).t(t!).one();
        b.release(sum);
        sum = next;
      }
      return sum;
    }),
    kernel('Cast', (b, { x }, attrs) => cast(b, x!, attrs.dtype as string)),
    kernel('Identity', (b, { x }) => b.share(x!)),
    kernel('ClipByValue', (b, { x }, attrs) =>
      b.op.begin(CLAMP).t(x!).scalarFor(x!, attrs.clipValueMin as number).scalarFor(x!, attrs.clipValueMax as number).one()),
    kernel('Select', (b, { condition, t, e }) => b.op.begin(WHERE).t(condition!).t(t!).t(e!).one()),
    kernel('LeakyRelu', (b, { x }, attrs) => b.op.begin(LEAKY_RELU).t(x!).f(attrs.alpha as number).one()),
    kernel('Relu6', (b, { x }) => b.op.begin(HARDTANH).t(x!).f(0).f(6).one()),
    kernel('Prelu', (b, { x, alpha }) => {
      const positive = b.op.begin(GT_SCALAR).t(x!).f(0).one();
      const scaled = b.op.begin(MUL).t(x!).t(alpha!).one();
      const out = b.op.begin(WHERE).t(positive).t(x!).t(scaled).one();
      b.release(positive);
      b.release(scaled);
      return out;
    }),
    // x > 0 ? 1 : alpha, NaN stays NaN (tfjs's Step, ReLU's gradient mask).
    kernel('Step', (b, { x }, attrs) => {
      const alpha = (attrs.alpha as number | undefined) ?? 0;
      const positive = b.op.begin(GT_SCALAR).t(x!).f(0).one();
      const stepped = b.op.begin(WHERE_SCALAR).t(positive).f(1).f(alpha).one();
      b.release(positive);
      const nan = b.op.begin(ISNAN).t(x!).one();
      const out = b.op.begin(WHERE).t(nan).t(x!).t(stepped).one();
      b.release(nan);
      b.release(stepped);
      return out;
    }),
    // dy * (y < 0 ? y + 1 : 1) for ELU (alpha 1) from its output y: ATen's elu_backward with is_result.
    kernel('EluGrad', (b, { dy, y }) => b.op.begin(ELU_BACKWARD).t(dy!).f(1).f(1).f(1).n(true).t(y!).one()),
    // PyTorch's ReLU backward: 0 where y <= 0, dy elsewhere (src/backend/relu-backward.ts).
    kernel('TwinmlReluBackward', (b, { dy, y }) => b.op.begin(THRESHOLD_BACKWARD).t(dy!).t(y!).f(0).one()),
  ];
}
