/** Element types: their typed arrays, their Open Inference Protocol names, and value conversion. */
import type { TensorData, TensorDtype } from './types.js';

type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

interface DtypeInfo {
  array: TypedArrayConstructor;
  /** Open Inference Protocol v2 datatype name. */
  oip: string;
  kind: 'float' | 'int' | 'bigint' | 'bool';
  /** Inclusive integer range for 'int' kinds. */
  min?: number;
  max?: number;
}

export const DTYPES: Record<TensorDtype, DtypeInfo> = {
  float32: { array: Float32Array, oip: 'FP32', kind: 'float' },
  float64: { array: Float64Array, oip: 'FP64', kind: 'float' },
  float16: { array: Uint16Array, oip: 'FP16', kind: 'float' },
  int8: { array: Int8Array, oip: 'INT8', kind: 'int', min: -128, max: 127 },
  int16: { array: Int16Array, oip: 'INT16', kind: 'int', min: -32768, max: 32767 },
  int32: { array: Int32Array, oip: 'INT32', kind: 'int', min: -2147483648, max: 2147483647 },
  int64: { array: BigInt64Array, oip: 'INT64', kind: 'bigint' },
  uint8: { array: Uint8Array, oip: 'UINT8', kind: 'int', min: 0, max: 255 },
  uint16: { array: Uint16Array, oip: 'UINT16', kind: 'int', min: 0, max: 65535 },
  uint32: { array: Uint32Array, oip: 'UINT32', kind: 'int', min: 0, max: 4294967295 },
  uint64: { array: BigUint64Array, oip: 'UINT64', kind: 'bigint' },
  bool: { array: Uint8Array, oip: 'BOOL', kind: 'bool' },
};

export const TENSOR_DTYPES = Object.keys(DTYPES) as TensorDtype[];

const BY_OIP = new Map(TENSOR_DTYPES.map((d) => [DTYPES[d].oip, d]));

/** The dtype for an OIP datatype name (FP32, INT64, BOOL, ...), or undefined. */
export function dtypeFromOip(datatype: string): TensorDtype | undefined {
  return BY_OIP.get(datatype);
}

/** The OIP datatype name of a dtype. */
export function oipFromDtype(dtype: TensorDtype): string {
  return DTYPES[dtype].oip;
}

export function isTensorDtype(value: unknown): value is TensorDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, value);
}

/** Allocates a zeroed typed array for `length` elements of `dtype`. */
export function allocate(dtype: TensorDtype, length: number): TensorData {
  return new DTYPES[dtype].array(length);
}

/** Whether `data` is the typed array class that holds `dtype` (Uint8Array for bool and uint8, Uint16Array for float16 and uint16). */
export function matchesDtype(data: TensorData, dtype: TensorDtype): boolean {
  return data instanceof DTYPES[dtype].array;
}

/** The dtype a typed array holds by default (Uint8Array -> uint8, Uint16Array -> uint16). */
export function dtypeOfArray(data: unknown): TensorDtype | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigUint64Array) return 'uint64';
  return undefined;
}

/** Converts one float32 to IEEE half bits (round to nearest even). */
export function toHalfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++; // a carry into the exponent is still correct
  return sign | half;
}

/** Converts IEEE half bits to a number. */
export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * Converts one JS value to the element stored for `dtype`, or returns an error message naming what is wrong.
 * Numbers must be finite unless `allowNonFinite`; integers must be whole and in range; bools accept true/false/0/1.
 */
export function convertElement(
  value: unknown,
  dtype: TensorDtype,
  allowNonFinite: boolean,
): { ok: true; value: number | bigint } | { ok: false; why: string } {
  const info = DTYPES[dtype];
  switch (info.kind) {
    case 'float': {
      if (typeof value !== 'number') {
        if (typeof value === 'bigint') return { ok: true, value: dtype === 'float16' ? toHalfBits(Number(value)) : Number(value) };
        return { ok: false, why: `${describe(value)} is not a number` };
      }
      if (!allowNonFinite && !Number.isFinite(value)) return { ok: false, why: `${value} is not allowed (NaN/Infinity)` };
      return { ok: true, value: dtype === 'float16' ? toHalfBits(value) : value };
    }
    case 'int': {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) return { ok: false, why: `${describe(value)} is not an integer` };
      if (n < info.min! || n > info.max!) return { ok: false, why: `${n} is outside ${dtype} [${info.min}, ${info.max}]` };
      return { ok: true, value: n };
    }
    case 'bigint': {
      let b: bigint;
      if (typeof value === 'bigint') b = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) b = BigInt(value);
      else if (typeof value === 'string' && /^-?\d+$/.test(value)) b = BigInt(value);
      else return { ok: false, why: `${describe(value)} is not an integer (use a safe integer, a bigint or a decimal string)` };
      const lo = dtype === 'int64' ? -(2n ** 63n) : 0n;
      const hi = dtype === 'int64' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
      if (b < lo || b > hi) return { ok: false, why: `${b} is outside ${dtype}` };
      return { ok: true, value: b };
    }
    case 'bool': {
      if (value === true || value === 1) return { ok: true, value: 1 };
      if (value === false || value === 0) return { ok: true, value: 0 };
      return { ok: false, why: `${describe(value)} is not a boolean (true/false/0/1)` };
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
