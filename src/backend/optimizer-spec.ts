/**
 * THE spec of twinml's fused optimizer arithmetic: an update is an `ElementProgram`, a short list of float32
 * element operations (add, sub, mul, div, sqrt, max) over named tensors and scalars, in PyTorch's operation
 * order. Every implementation runs the same program, so they agree bit for bit (each op is correctly rounded
 * float32 in every backend, scalars are rounded to float32 once):
 *   - the tf-ops path of src/train/optim (runProgramWithTfOps: one tfjs op per step),
 *   - the wasm SIMD kernel (optimizer-simd.ts compiles a program to f32x4 instructions),
 *   - the JS element loop (runProgramOnArrays below: SIMD tails and engines without SIMD),
 *   - the `tensorflow` backend's kernel (tensorflow/optimizer-kernels.ts: one raw TF eager op per step).
 */

/** An element operation; all are float32 and correctly rounded. */
export type ElementOp = 'add' | 'sub' | 'mul' | 'div' | 'sqrt' | 'max';

/** One step: `out = op(args)`; an arg names a tensor input, a scalar, or an earlier step's `out`. */
export interface ElementStep {
  out: string;
  op: ElementOp;
  args: [string] | [string, string];
}

/** An elementwise update: tensor inputs (absent state inputs read as zeros), scalars, steps, outputs. */
export interface ElementProgram {
  /** Tensor inputs, all of the parameter's size. */
  tensors: readonly string[];
  /** Scalar operands (rounded to float32 where used). */
  scalars: Record<string, number>;
  steps: ElementStep[];
  /** Registers written out, in the kernel's output order. */
  outputs: readonly string[];
  /** A name for the program's structure (same structure, same key), so compiled code is found without hashing it. */
  key?: string;
}

/** Adam / AdamW hyper-parameters of one step (the step count `step` starts at 1). */
export interface AdamStepAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  amsgrad: boolean;
  step: number;
}

/** Adam's tensor inputs (the kernel's input names) and outputs: [param, expAvg, expAvgSq(, maxExpAvgSq)]. */
export const ADAM_TENSORS = ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] as const;

/**
 * One Adam/AdamW step as torch's single-tensor `_single_tensor_adam` (foreach=False) computes it:
 *   p = p * (1 - lr * wd)                       (AdamW)   |   g = g + wd * p          (Adam)
 *   m = m.lerp(g, 1 - beta1)                    (torch's lerp: m + w * (g - m) for w < 0.5, else g - (g - m) * (1 - w))
 *   v = v * beta2 + ((1 - beta2) * g) * g       (mul_ then addcmul_)
 *   s = max(v_max, v)  (amsgrad)  |  v
 *   denom = sqrt(s) / sqrt(1 - beta2^t) + eps   (eps outside the bias-corrected sqrt)
 *   p = p + ((-lr / (1 - beta1^t)) * m) / denom (addcdiv_)
 * @param o - the step's hyper-parameters
 */
export function adamProgram(o: AdamStepAttrs): ElementProgram {
  const scalars: Record<string, number> = {};
  const decoupled = o.weightDecay !== 0 && o.decoupledWeightDecay;
  const coupled = o.weightDecay !== 0 && !o.decoupledWeightDecay;
  if (decoupled) scalars['decay'] = 1 - o.lr * o.weightDecay;
  if (coupled) scalars['weightDecay'] = o.weightDecay;
  const weight = 1 - o.beta1;
  const lerpFromStart = Math.abs(Math.fround(weight)) < 0.5;
  if (lerpFromStart) scalars['lerpWeight'] = weight;
  else scalars['lerpComplement'] = 1 - Math.fround(weight);
  scalars['beta2'] = o.beta2;
  scalars['oneMinusBeta2'] = 1 - o.beta2;
  scalars['biasCorrection2Sqrt'] = (1 - o.beta2 ** o.step) ** 0.5;
  scalars['eps'] = o.eps;
  scalars['negStepSize'] = -(o.lr / (1 - o.beta1 ** o.step));
  const variant = (decoupled ? 1 : coupled ? 2 : 0) * 4 + (lerpFromStart ? 2 : 0) + (o.amsgrad ? 1 : 0);
  const structure = (adamStructures[variant] ??= adamStructure(`adam/${variant}`, decoupled, coupled, lerpFromStart, o.amsgrad));
  return { key: structure.key, tensors: structure.tensors, steps: structure.steps, outputs: structure.outputs, scalars };
}

/** adamProgram's structures by variant (weight decay mode, lerp form, amsgrad), each built once. */
const adamStructures: Array<Omit<ElementProgram, 'scalars'>> = [];

/** adamProgram's steps for one combination of its branches (built once per combination). */
function adamStructure(key: string, decoupled: boolean, coupled: boolean, lerpFromStart: boolean, amsgrad: boolean): Omit<ElementProgram, 'scalars'> {
  const steps: ElementStep[] = [];
  const s = (out: string, op: ElementOp, ...args: [string] | [string, string]) => steps.push({ out, op, args });
  let p = 'param';
  let g = 'grad';
  if (decoupled) {
    s('pDecayed', 'mul', 'param', 'decay');
    p = 'pDecayed';
  } else if (coupled) {
    s('pScaled', 'mul', 'param', 'weightDecay');
    s('gDecayed', 'add', 'grad', 'pScaled');
    g = 'gDecayed';
  }
  s('gMinusM', 'sub', g, 'expAvg');
  if (lerpFromStart) {
    s('mStep', 'mul', 'gMinusM', 'lerpWeight');
    s('m', 'add', 'expAvg', 'mStep');
  } else {
    s('mStep', 'mul', 'gMinusM', 'lerpComplement');
    s('m', 'sub', g, 'mStep');
  }
  s('vDecayed', 'mul', 'expAvgSq', 'beta2');
  s('gScaled', 'mul', g, 'oneMinusBeta2');
  s('gSq', 'mul', 'gScaled', g);
  s('v', 'add', 'vDecayed', 'gSq');
  let second = 'v';
  if (amsgrad) {
    s('vMax', 'max', 'maxExpAvgSq', 'v');
    second = 'vMax';
  }
  s('rootV', 'sqrt', second);
  s('rootVHat', 'div', 'rootV', 'biasCorrection2Sqrt');
  s('denom', 'add', 'rootVHat', 'eps');
  s('mScaled', 'mul', 'negStepSize', 'm');
  s('update', 'div', 'mScaled', 'denom');
  s('next', 'add', p, 'update');
  return {
    key,
    tensors: amsgrad ? ADAM_TENSORS : ADAM_TENSORS.slice(0, 4),
    steps,
    outputs: amsgrad ? ['next', 'm', 'v', 'vMax'] : ['next', 'm', 'v'],
  };
}

/** The program's structure without scalar values: programs with the same key compile to the same code. */
export function programKey(p: ElementProgram): string {
  return p.key ?? JSON.stringify([p.tensors, Object.keys(p.scalars), p.steps, p.outputs]);
}

/** How an implementation represents values: tensor inputs, scalars and the result of one op. */
export interface ProgramValues<T> {
  /** A tensor input (an absent state input must read as zeros). */
  input(name: string): T;
  scalar(name: string, value: number): T;
  apply(op: ElementOp, a: T, b: T | undefined): T;
}

/**
 * Evaluates a program whole-tensor at a time (the tf-ops path and the tensorflow kernel).
 * @param p - the program
 * @param values - the implementation's values and ops
 * @returns the outputs, in order
 */
export function evaluateProgram<T>(p: ElementProgram, values: ProgramValues<T>): T[] {
  const regs = new Map<string, T>();
  for (const name of p.tensors) regs.set(name, values.input(name));
  for (const [name, value] of Object.entries(p.scalars)) regs.set(name, values.scalar(name, value));
  const get = (name: string) => {
    const r = regs.get(name);
    if (r === undefined) throw new Error(`optimizer program: '${name}' is used before it is defined`);
    return r;
  };
  for (const step of p.steps) regs.set(step.out, values.apply(step.op, get(step.args[0]), step.args[1] === undefined ? undefined : get(step.args[1])));
  return p.outputs.map(get);
}

const f32 = Math.fround;

/** Applies one element op in float32 (float64 arithmetic on float32 values, rounded once: correctly rounded). */
export function applyElementOp(op: ElementOp, a: number, b: number): number {
  switch (op) {
    case 'add':
      return f32(a + b);
    case 'sub':
      return f32(a - b);
    case 'mul':
      return f32(a * b);
    case 'div':
      return f32(a / b);
    case 'sqrt':
      return f32(Math.sqrt(a));
    case 'max':
      return Math.max(a, b);
  }
}

/**
 * Runs a program over plain arrays (the reference loop): element i of every output from element i of the inputs.
 * @param p - the program
 * @param inputs - tensor inputs by name; a missing or null input reads as zeros
 * @param outputs - arrays for the program's outputs, in order (may alias inputs: inputs are read first)
 */
export function runProgramOnArrays(p: ElementProgram, inputs: Record<string, Float32Array | null | undefined>, outputs: Float32Array[]): void {
  const c = compiled(p);
  const regs = new Float64Array(c.size);
  Object.values(p.scalars).forEach((v, k) => (regs[p.tensors.length + k] = f32(v)));
  const ins = p.tensors.map((n) => inputs[n] ?? null);
  const n = outputs[0]!.length;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < ins.length; k++) regs[k] = ins[k] ? ins[k]![i]! : 0;
    for (const step of c.code) regs[step.out] = applyElementOp(step.op, regs[step.a]!, regs[step.b]!);
    for (let k = 0; k < c.outs.length; k++) outputs[k]![i] = regs[c.outs[k]!]!;
  }
}

interface CompiledProgram {
  size: number;
  code: Array<{ op: ElementOp; out: number; a: number; b: number }>;
  outs: number[];
}

const compiledPrograms = new Map<string, CompiledProgram>();

/** The program with register numbers instead of names (registers: tensors, scalars, then step results). */
function compiled(p: ElementProgram): CompiledProgram {
  const key = programKey(p);
  const cached = compiledPrograms.get(key);
  if (cached) return cached;
  const names = [...p.tensors, ...Object.keys(p.scalars), ...p.steps.map((s) => s.out)];
  const slot = new Map(names.map((n, i) => [n, i]));
  const at = (name: string) => {
    const i = slot.get(name);
    if (i === undefined) throw new Error(`optimizer program: '${name}' is used before it is defined`);
    return i;
  };
  const c = {
    size: names.length,
    code: p.steps.map((s) => ({ op: s.op, out: at(s.out), a: at(s.args[0]), b: s.args[1] === undefined ? 0 : at(s.args[1]) })),
    outs: p.outputs.map(at),
  };
  compiledPrograms.set(key, c);
  return c;
}
