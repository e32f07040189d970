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

export function serializeSafetensors(tensors: StateDict, metadata: Record<string, string> = {}): Uint8Array {
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
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const [, t] of entries) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, pos);
    pos += bytes.length;
  }
  return out;
}

/**
 * @param bytes - the file's contents
 * @param source - a name for error messages (the file path)
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): { tensors: StateDict; metadata: Record<string, string> } {
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
    // copy: aligned and detached from the file buffer (Buffer.slice would return a view of Node's pooled buffer)
    const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
    const data =
      hostDtype === 'float32' ? new Float32Array(raw.buffer)
      : hostDtype === 'float64' ? new Float64Array(raw.buffer)
      : hostDtype === 'int64' ? new BigInt64Array(raw.buffer)
      : hostDtype === 'int32' ? new Int32Array(raw.buffer)
      : new Uint8Array(raw.buffer);
    tensors.set(name, { dtype: hostDtype, shape, data } as HostTensor);
  }
  return { tensors, metadata };
}

export function saveSafetensors(path: string, tensors: StateDict, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): { tensors: StateDict; metadata: Record<string, string> } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseSafetensors(bytes, path);
}
