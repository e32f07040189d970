/**
 * NumPy .npy reader (format versions 1.0-3.0, C order, little-endian or single-byte types). No tfjs and no
 * onnxruntime: inference and the CLI read sample inputs with it.
 */

export type NpyDtype =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Row-major values; float16 as raw half bits (Uint16Array), bool as 0/1 (Uint8Array). */
  data: Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;
}

const DESCR: Record<string, { dtype: NpyDtype; bytes: number }> = {
  f2: { dtype: 'float16', bytes: 2 },
  f4: { dtype: 'float32', bytes: 4 },
  f8: { dtype: 'float64', bytes: 8 },
  i1: { dtype: 'int8', bytes: 1 },
  i2: { dtype: 'int16', bytes: 2 },
  i4: { dtype: 'int32', bytes: 4 },
  i8: { dtype: 'int64', bytes: 8 },
  u1: { dtype: 'uint8', bytes: 1 },
  u2: { dtype: 'uint16', bytes: 2 },
  u4: { dtype: 'uint32', bytes: 4 },
  u8: { dtype: 'uint64', bytes: 8 },
  b1: { dtype: 'bool', bytes: 1 },
};

/**
 * Parses .npy bytes.
 * @param bytes - The file's contents.
 * @param where - File name for error messages.
 */
export function parseNpy(bytes: Uint8Array, where = 'npy data'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error(`${where}: not a .npy file (missing \\x93NUMPY magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let offset: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLength = view.getUint32(8, true);
    offset = 12;
  } else throw new Error(`${where}: unsupported .npy format version ${major} (1, 2 or 3)`);
  if (offset + headerLength > bytes.length) throw new Error(`${where}: truncated header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + headerLength));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeMatch) throw new Error(`${where}: cannot read the header ${JSON.stringify(header.trim())}`);
  const type = DESCR[descr[2]!];
  if (!type) throw new Error(`${where}: unsupported dtype '${descr[1]}${descr[2]}' (supported: ${Object.keys(DESCR).join(', ')})`);
  if (descr[1] === '>' && type.bytes > 1) throw new Error(`${where}: big-endian data is not supported; save with '<${descr[2]}'`);
  if (fortran[1] === 'True') throw new Error(`${where}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  const shape = shapeMatch[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`${where}: bad shape (${shapeMatch[1]})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLength;
  const needed = count * type.bytes;
  if (bytes.length - start < needed) throw new Error(`${where}: has ${bytes.length - start} data bytes, shape [${shape.join(', ')}] needs ${needed}`);
  const raw = new Uint8Array(bytes.subarray(start, start + needed)).buffer; // an aligned copy (Buffer.slice would share the pool)
  const data = (() => {
    switch (type.dtype) {
      case 'float16':
      case 'uint16':
        return new Uint16Array(raw);
      case 'float32':
        return new Float32Array(raw);
      case 'float64':
        return new Float64Array(raw);
      case 'int8':
        return new Int8Array(raw);
      case 'int16':
        return new Int16Array(raw);
      case 'int32':
        return new Int32Array(raw);
      case 'int64':
        return new BigInt64Array(raw);
      case 'uint32':
        return new Uint32Array(raw);
      case 'uint64':
        return new BigUint64Array(raw);
      case 'uint8':
      case 'bool':
        return new Uint8Array(raw);
    }
  })();
  return { dtype: type.dtype, shape, data };
}
