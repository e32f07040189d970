/**
 * Compiles an optimizer ElementProgram (optimizer-spec.ts) to a wasm function working in place on the tfjs wasm
 * heap: a SIMD128 loop (four float32 lanes per instruction) over the first floor(n/4)*4 elements and the same
 * program with scalar f32 instructions over the rest. Both are the program's correctly rounded operations in
 * its order, so the results are bit-identical to every other implementation of the spec. One module per
 * program structure and wasm memory.
 */
import { emitModule, F32, I32, V128, op, wasmApi, type EmittedFunction } from './wasm-emit.js';
import { programKey, type ElementOp, type ElementProgram } from '../optimizer-spec.js';

/** (input offsets..., output offsets..., bytes for the SIMD loop (a multiple of 16), total bytes, scalars...). */
export type ProgramSimd = (...args: number[]) => void;

const SIMD_OPS: Record<ElementOp, number[]> = {
  add: op.f32x4Add,
  sub: op.f32x4Sub,
  mul: op.f32x4Mul,
  div: op.f32x4Div,
  sqrt: op.f32x4Sqrt,
  max: op.f32x4Max,
};

/** f32.add/sub/mul/div/sqrt/max (correctly rounded, f32.max NaN if either operand is NaN, like f32x4.max). */
const SCALAR_OPS: Record<ElementOp, number[]> = { add: [0x92], sub: [0x93], mul: [0x94], div: [0x95], sqrt: [0x91], max: [0x97] };

function programFunction(p: ElementProgram): EmittedFunction {
  const scalarNames = Object.keys(p.scalars);
  const nIn = p.tensors.length;
  const nOut = p.outputs.length;
  const simdBytes = nIn + nOut;
  const totalBytes = simdBytes + 1;
  const firstScalar = totalBytes + 1;
  const i = firstScalar + scalarNames.length;
  const values = [...p.tensors, ...p.steps.map((s) => s.out)];
  // v128 locals: one per scalar splat and value; then f32 locals: one per value (the tail loop)
  const vector = new Map([...scalarNames, ...values].map((n, k) => [n, i + 1 + k]));
  const scalar = new Map([...scalarNames.map((n, k) => [n, firstScalar + k] as const), ...values.map((n, k) => [n, i + 1 + vector.size + k] as const)]);
  const local = (regs: Map<string, number>, name: string) => {
    const r = regs.get(name);
    if (r === undefined) throw new Error(`optimizer program: '${name}' is used before it is defined`);
    return r;
  };
  const at = (pointer: number) => [...op.localGet(pointer), ...op.localGet(i), ...op.i32Add];
  /** One loop from i to `end` bytes, `width` bytes per iteration. */
  const loop = (end: number, width: number, regs: Map<string, number>, ops: Record<ElementOp, number[]>, load: number[], store: number[]) => {
    const body: number[] = [...op.block, ...op.loop, ...op.localGet(i), ...op.localGet(end), ...op.i32GeU, ...op.brIf(1)];
    p.tensors.forEach((name, k) => body.push(...at(k), ...load, ...op.localSet(local(regs, name))));
    for (const s of p.steps) {
      for (const a of s.args) body.push(...op.localGet(local(regs, a)));
      body.push(...ops[s.op], ...op.localSet(local(regs, s.out)));
    }
    p.outputs.forEach((name, k) => body.push(...at(nIn + k), ...op.localGet(local(regs, name)), ...store));
    body.push(...op.localGet(i), ...op.i32Const(width), ...op.i32Add, ...op.localSet(i), ...op.br(0), ...op.end, ...op.end);
    return body;
  };
  const body: number[] = [];
  scalarNames.forEach((name, k) => body.push(...op.localGet(firstScalar + k), ...op.f32x4Splat, ...op.localSet(local(vector, name))));
  body.push(...loop(simdBytes, 16, vector, SIMD_OPS, op.v128Load(), op.v128Store()));
  body.push(...loop(totalBytes, 4, scalar, SCALAR_OPS, op.f32Load(), op.f32Store()));
  const params = [...new Array<number>(totalBytes + 1).fill(I32), ...scalarNames.map(() => F32)] as Array<typeof I32 | typeof F32>;
  return { name: 'update', params, locals: [[1, I32], [vector.size, V128], [values.length, F32]], body };
}

const modules = new Map<string, Uint8Array | null>();
const instances = new WeakMap<object, Map<string, ProgramSimd>>();

/**
 * The compiled loop of programs shaped like `program`, bound to `memory` (a WebAssembly.Memory), or null without
 * wasm SIMD. Call it with (input offsets, output offsets, bytes for the SIMD loop (floor(n/4)*16), total bytes
 * (n*4), scalars as float32).
 * @param program - the program (its structure; scalar values are arguments)
 * @param memory - the wasm backend's memory
 */
export function programSimd(program: ElementProgram, memory: object): ProgramSimd | null {
  const key = programKey(program);
  let perMemory = instances.get(memory);
  const cached = perMemory?.get(key);
  if (cached) return cached;
  const api = wasmApi();
  if (!api) return null;
  if (!modules.has(key)) {
    const bytes = emitModule([programFunction(program)]);
    modules.set(key, api.validate(bytes) ? bytes : null);
  }
  const bytes = modules.get(key);
  if (!bytes) return null;
  const instance = new api.Instance(new api.Module(bytes), { env: { memory } });
  const fn = instance.exports['update'] as ProgramSimd;
  if (!perMemory) instances.set(memory, (perMemory = new Map()));
  perMemory.set(key, fn);
  return fn;
}
