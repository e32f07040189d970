/**
 * The safetensors format (8-byte little-endian header length, JSON header, raw little-endian data), the
 * file format of twinml state_dicts. Read by Python's `safetensors.torch.load_file` and back.
 */
import { readFileSync } from 'node:fs';
import type { HostDtype, HostTensor, StateDict } from '../util/host-tensor.js';
import { numel } from '../util/host-tensor.js';
import { writeFileAtomic } from './atomic-write.js';

const DTYPES: Record<HostDtype, { code: string; bytes: number }> = {
  float32: { code: 'F32', bytes: 4 },
  float64: { code: 'F64', bytes: 8 },
  int64: { code: 'I64', bytes: 8 },
  int32: { code: 'I32', bytes: 4 },
  uint8: { code: 'U8', bytes: 1 },
  bool: { code: 'BOOL', bytes: 1 },
};
const FROM_CODE = new Map(Object.entries(DTYPES).map(([k, v]) => [v.code, k as HostDtype]));

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('twinml needs a little-endian machine');

/**
 * The safetensors file as parts, without copying tensor data: the 8-byte header length plus the JSON header,
 * then a byte view of each tensor. Write them in order (or concatenate them with serializeSafetensors).
 */
export function safetensorsParts(tensors: StateDict, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const entries = [...tensors.entries()];
  for (const [name, t] of entries) {
    const { code, bytes } = DTYPES[t.dtype];
    if (numel(t.shape) !== t.data.length) throw new Error(`safetensors: ${name} has shape [${t.shape}] but ${t.data.length} values`);
    const size = t.data.length * bytes;
    header[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(8 + json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  new DataView(padded.buffer).setBigUint64(0, BigInt(padded.length - 8), true);
  padded.set(json, 8);
  return [padded, ...entries.map(([, t]) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
}

/**
 * A whole safetensors file in memory.
 * @param tensors - name -> host tensor (e.g. `model.stateDict()`)
 * @param metadata - string pairs stored in the header's `__metadata__`
 */
export function serializeSafetensors(tensors: StateDict, metadata: Record<string, string> = {}): Uint8Array {
  const parts = safetensorsParts(tensors, metadata);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/**
 * Parses safetensors bytes (e.g. a file read elsewhere) into tensors and metadata.
 * @param bytes - the file's contents
 * @param source - a name for error messages (the file path)
 * @param options - `copy: false` returns views into `bytes` where the data is aligned (the caller must not
 *   reuse `bytes`); by default every tensor is copied
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source = 'safetensors data',
  options: { copy?: boolean } = {},
): { tensors: StateDict; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${source}: not a safetensors file (shorter than 8 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw new Error(`${source}: truncated (header says ${headerLength} bytes)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new Error(`${source}: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors: StateDict = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const hostDtype = FROM_CODE.get(dtype);
    if (!hostDtype) throw new Error(`${source}: tensor ${name} has unsupported dtype ${dtype}`);
    const [begin, end] = data_offsets;
    const length = numel(shape);
    if (end - begin !== length * DTYPES[hostDtype].bytes || dataStart + end > bytes.length) {
      throw new Error(`${source}: tensor ${name} (${dtype} [${shape}]) has inconsistent or truncated data`);
    }
    const at = bytes.byteOffset + dataStart + begin;
    let buffer: ArrayBufferLike;
    let byteOffset: number;
    if (options.copy === false && at % DTYPES[hostDtype].bytes === 0) {
      buffer = bytes.buffer;
      byteOffset = at;
    } else {
      // Copy into a fresh buffer: aligned and detached from the file buffer (Buffer.slice would only be a view).
      const raw = new Uint8Array(end - begin);
      raw.set(bytes.subarray(dataStart + begin, dataStart + end));
      buffer = raw.buffer;
      byteOffset = 0;
    }
    const data =
      hostDtype === 'float32' ? new Float32Array(buffer, byteOffset, length)
      : hostDtype === 'float64' ? new Float64Array(buffer, byteOffset, length)
      : hostDtype === 'int64' ? new BigInt64Array(buffer, byteOffset, length)
      : hostDtype === 'int32' ? new Int32Array(buffer, byteOffset, length)
      : new Uint8Array(buffer, byteOffset, length);
    tensors.set(name, { dtype: hostDtype, shape, data } as HostTensor);
  }
  return { tensors, metadata };
}

/**
 * Writes tensors as a safetensors file (atomically: a temp file renamed into place), like
 * `safetensors.torch.save_file`. `saveSafetensors('model.safetensors', model.stateDict())` gives a file PyTorch loads
 * with `model.load_state_dict(load_file(path), strict=True)`.
 * @param path - the file to write
 * @param tensors - name -> host tensor (a state_dict)
 * @param metadata - string pairs stored in the header
 */
export function saveSafetensors(path: string, tensors: StateDict, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/**
 * Reads a safetensors file, like `safetensors.torch.load_file`: `model.loadStateDict(loadSafetensors(path).tensors)`.
 * @param path - the file
 * @returns the tensors by name and the header metadata
 */
export function loadSafetensors(path: string): { tensors: StateDict; metadata: Record<string, string> } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseSafetensors(bytes, path);
}
