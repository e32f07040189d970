/**
 * Compiles an optimizer ElementProgram (optimizer-spec.ts) to a wasm SIMD128 function working in place on the
 * tfjs wasm heap: four float32 lanes per instruction, the program's correctly rounded operations in its order
 * (so the results are bit-identical to every other implementation of the spec). One module per program
 * structure and wasm memory.
 */
import { emitModule, F32, I32, V128, op, wasmApi, type EmittedFunction } from './wasm-emit.js';
import { programKey, type ElementOp, type ElementProgram } from './optimizer-spec.js';

/** (input pointers..., output pointers..., bytes, scalars...) in the program's order. */
export type ProgramSimd = (...args: number[]) => void;

const SIMD_OPS: Record<ElementOp, number[]> = {
  add: op.f32x4Add,
  sub: op.f32x4Sub,
  mul: op.f32x4Mul,
  div: op.f32x4Div,
  sqrt: op.f32x4Sqrt,
  max: op.f32x4Max,
};

function programFunction(p: ElementProgram): EmittedFunction {
  const scalarNames = Object.keys(p.scalars);
  const nIn = p.tensors.length;
  const nOut = p.outputs.length;
  const bytes = nIn + nOut;
  const firstScalar = bytes + 1;
  const i = firstScalar + scalarNames.length;
  // v128 locals: one per scalar splat, tensor input and step result
  const regNames = [...scalarNames, ...p.tensors, ...p.steps.map((s) => s.out)];
  const reg = new Map(regNames.map((n, k) => [n, i + 1 + k]));
  const local = (name: string) => {
    const r = reg.get(name);
    if (r === undefined) throw new Error(`optimizer program: '${name}' is used before it is defined`);
    return r;
  };
  const at = (pointer: number) => [...op.localGet(pointer), ...op.localGet(i), ...op.i32Add];
  const body: number[] = [];
  scalarNames.forEach((name, k) => body.push(...op.localGet(firstScalar + k), ...op.f32x4Splat, ...op.localSet(local(name))));
  body.push(...op.block, ...op.loop);
  body.push(...op.localGet(i), ...op.localGet(bytes), ...op.i32GeU, ...op.brIf(1));
  p.tensors.forEach((name, k) => body.push(...at(k), ...op.v128Load(), ...op.localSet(local(name))));
  for (const s of p.steps) {
    for (const a of s.args) body.push(...op.localGet(local(a)));
    body.push(...SIMD_OPS[s.op], ...op.localSet(local(s.out)));
  }
  p.outputs.forEach((name, k) => body.push(...at(nIn + k), ...op.localGet(local(name)), ...op.v128Store()));
  body.push(...op.localGet(i), ...op.i32Const(16), ...op.i32Add, ...op.localSet(i), ...op.br(0), ...op.end, ...op.end);
  const params = [...new Array<number>(bytes + 1).fill(I32), ...scalarNames.map(() => F32)] as Array<typeof I32 | typeof F32>;
  return { name: 'update', params, locals: [[1, I32], [regNames.length, V128]], body };
}

const modules = new Map<string, Uint8Array | null>();
const instances = new WeakMap<object, Map<string, ProgramSimd>>();

/**
 * The SIMD loop of programs shaped like `program`, bound to `memory` (a WebAssembly.Memory), or null without
 * wasm SIMD. Call it with (input offsets, output offsets, bytes to process (a multiple of 16), scalars).
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
