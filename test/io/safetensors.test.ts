import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensors, parseSafetensors, saveSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import type { StateDict } from '../../src/util/host-tensor.js';

describe('safetensors', () => {
  const sd: StateDict = new Map([
    ['net.1.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 4, 5, -6e-8]) }],
    ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.from([7n]) }],
    ['x64', { dtype: 'float64', shape: [3], data: Float64Array.from([Math.PI, -1, 1e-300]) }],
  ]);

  it('round-trips every dtype, shape and value exactly', () => {
    const { tensors, metadata } = parseSafetensors(serializeSafetensors(sd, { format: 'pt' }));
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual([...sd.keys()]);
    for (const [k, v] of sd) {
      expect(tensors.get(k)!.dtype).toBe(v.dtype);
      expect(tensors.get(k)!.shape).toEqual(v.shape);
      expect(Array.from(tensors.get(k)!.data as ArrayLike<unknown>)).toEqual(Array.from(v.data as ArrayLike<unknown>));
    }
  });

  it('names the file when it is truncated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinml-st-'));
    const path = join(dir, 'model.safetensors');
    saveSafetensors(path, sd);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 5));
    expect(() => loadSafetensors(path)).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*truncated`));
  });
});
