/**
 * A minimal WebAssembly binary writer for twinml's small SIMD kernels: one module that imports the tfjs wasm
 * backend's memory (`env.memory`) and exports functions. Only the instructions the kernels use are named here.
 * Format: https://webassembly.github.io/spec/core/binary/ (SIMD opcodes: 0xFD prefix + LEB128 u32).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];

/** Instruction encoders (each returns its bytes). */
export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  i32GeS: [0x4e],
  i32LtS: [0x48],
  i32And: [0x71],
  i32Or: [0x72],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  /** memory.fill (dst, value, n) and memory.copy (dst, src, n) of the bulk-memory proposal, memory 0. */
  memoryFill: [0xfc, 11, 0x00],
  memoryCopy: [0xfc, 10, 0x00, 0x00],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  /** f32.load / f32.store with natural alignment and the given constant offset. */
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  /** f32.const v (little-endian IEEE bytes). */
  f32Const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  f32Add: [0x92],
  f32Le: [0x5f],
  /** f32.gt: 1 where a > b (0 for NaN). */
  f32Gt: [0x5e],
  i32Eq: [0x46],
  /** i8x16.shuffle: bytes of (a, b) picked by 16 lane indices (0-15 from a, 16-31 from b). */
  i8x16Shuffle: (lanes: readonly number[]) => [...simd(0x0d), ...lanes],
  /** select: the first operand if the i32 condition is nonzero, else the second. */
  select: [0x1b],
  /** f32.max: NaN if either operand is NaN. */
  f32Max: [0x97],
  /** v128.load / v128.store with the given constant offset and log2 alignment hint (0: 1 byte, 4: 16 bytes). */
  v128Load: (offset = 0, align = 0) => [...simd(0x00), align, ...uleb(offset)],
  v128Store: (offset = 0, align = 0) => [...simd(0x0b), align, ...uleb(offset)],
  /** v128.load32_splat: one float32 from memory into all four lanes. */
  v128Load32Splat: (offset = 0) => [...simd(0x09), 0, ...uleb(offset)],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Splat: simd(0x13),
  i32x4Splat: simd(0x11),
  /** i32x4.eq: all-ones lanes where a == b. */
  i32x4Eq: simd(0x37),
  /** f32x4.gt: all-ones lanes where a > b (false for NaN). */
  f32x4Gt: simd(0x44),
  v128And: simd(0x4e),
  /** v128.bitselect (a, b, mask): bits of a where mask is 1, of b where it is 0. */
  v128Bitselect: simd(0x52),
  /** f32x4.le: all-ones lanes where a <= b (false for NaN). */
  f32x4Le: simd(0x45),
  /** v128.andnot: a & ~b. */
  v128AndNot: simd(0x4f),
  /** f32x4.extract_lane: lane `lane` (0-3) as an f32. */
  f32x4ExtractLane: (lane: number) => [...simd(0x1f), lane],
  /** f32x4.replace_lane (vector, f32): the vector with lane `lane` (0-3) replaced. */
  f32x4ReplaceLane: (lane: number) => [...simd(0x20), lane],
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  /** f32x4.max: lane-wise maximum, NaN if either lane is NaN. */
  f32x4Max: simd(0xe9),
  /** Relaxed SIMD (a·b + c, fused where the CPU has FMA); validates only where the engine ships relaxed SIMD. */
  f32x4RelaxedMadd: simd(0x105),
  /** f32x4.min: lane-wise minimum, NaN if either lane is NaN. */
  f32x4Min: simd(0xe8),
  f32x4Abs: simd(0xe0),
  /** f32x4.nearest: round to the nearest integer, ties to even. */
  f32x4Nearest: simd(0x6a),
  f32x4Lt: simd(0x43),
  /** i32x4.trunc_sat_f32x4_s: float lanes to int32, truncating (saturating). */
  i32x4TruncSatF32x4S: simd(0xf8),
  i32x4Add: simd(0xae),
  /** i32x4.shl: shift every lane left by an i32 count. */
  i32x4Shl: simd(0xab),
  drop: [0x1a],
} as const;

/**
 * Folded instructions, written like WAT's folded form `(op a b)`: the operands' code first, then the opcode.
 * @param code - The instruction's bytes (an `op` entry).
 * @param operands - The code of each operand, in order.
 */
export function fold(code: readonly number[], ...operands: number[][]): number[] {
  return [...operands.flat(), ...code];
}

/** `(local.get i)`. @param i - local index */
export const get = (i: number): number[] => op.localGet(i);
/** `(local.set i value)`. @param i - local index @param value - the value's code */
export const set = (i: number, value: number[]): number[] => [...value, ...op.localSet(i)];
/** `(i32.const v)`. @param v - the constant */
export const i32c = (v: number): number[] => op.i32Const(v);
/** `(f32.const v)`. @param v - the constant */
export const f32c = (v: number): number[] => op.f32Const(v);
/** `(block ...)`: `br n` to it jumps past its end. @param body - the statements */
export const block = (...body: number[][]): number[] => [...op.block, ...body.flat(), ...op.end];
/** `(loop ...)`: `br n` to it jumps back to its start. @param body - the statements */
export const loop = (...body: number[][]): number[] => [...op.loop, ...body.flat(), ...op.end];
/**
 * `(if cond (then ...) (else ...))`.
 * @param cond - the i32 condition's code
 * @param then - statements when nonzero
 * @param otherwise - statements when zero (none: no else branch)
 */
export function ifElse(cond: number[], then: number[][], otherwise?: number[][]): number[] {
  return [...cond, ...op.if, ...then.flat(), ...(otherwise ? [...op.else, ...otherwise.flat()] : []), ...op.end];
}

export interface EmittedFunction {
  name: string;
  params: ValType[];
  /** Extra locals after the parameters, as [count, type] runs. */
  locals: Array<[number, ValType]>;
  body: number[];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** The bytes of a module importing `env.memory` and exporting `functions` (no results). */
export function emitModule(functions: EmittedFunction[]): Uint8Array {
  const types = vec(functions.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0]));
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]]);
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const exports = vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const code = vec(
    functions.map((f) => {
      const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...op.end];
      return [...uleb(body.length), ...body];
    }),
  );
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

/** The parts of the global WebAssembly API used here (this project's TS lib has no DOM/wasm typings). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => object;
}

export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** `memory` when it is a WebAssembly.Memory, else undefined. */
export function asWasmMemory(memory: unknown): object | undefined {
  const api = wasmApi();
  return api && memory instanceof api.Memory ? (memory as object) : undefined;
}

/**
 * The WebAssembly.Memory of a tfjs wasm backend instance (what generated kernels import), else undefined.
 * @param backend - the backend a kernel received
 */
export function backendMemory(backend: unknown): object | undefined {
  return asWasmMemory((backend as { wasm?: { asm?: { memory?: unknown } } } | undefined)?.wasm?.asm?.memory);
}
