/** The .npy reader against files numpy wrote (every dtype, scalar) and its errors. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../../src/util/npy.js';
import { fixtureModels } from './fixtures/models.js';

const fixtures = fixtureModels('npy reader');

describe.skipIf(!fixtures)('parseNpy', () => {
  const read = (name: string) => parseNpy(readFileSync(join(fixtures!, 'npy', `${name}.npy`)), name);

  it('reads every dtype numpy writes with the right values and shape', () => {
    // numpy: (arange(6).reshape(2, 3) - 2) for float/int kinds, arange(6) for unsigned, arange(6) % 2 for bool
    const signed = [-2, -1, 0, 1, 2, 3];
    for (const dt of ['float32', 'float64', 'int8', 'int16', 'int32'] as const) {
      const a = read(dt);
      expect(a.dtype).toBe(dt);
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data as ArrayLike<number>)).toEqual(signed);
    }
    expect(Array.from(read('int64').data as BigInt64Array)).toEqual(signed.map(BigInt));
    expect(Array.from(read('uint64').data as BigUint64Array)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    for (const dt of ['uint8', 'uint16', 'uint32'] as const) expect(Array.from(read(dt).data as ArrayLike<number>)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(read('bool').data as Uint8Array)).toEqual([0, 1, 0, 1, 0, 1]);
    // float16 kept as IEEE half bits: -2 = 0xc000, -1 = 0xbc00, 0, 1 = 0x3c00, 2 = 0x4000, 3 = 0x4200
    expect(Array.from(read('float16').data as Uint16Array)).toEqual([0xc000, 0xbc00, 0, 0x3c00, 0x4000, 0x4200]);
    const scalar = read('scalar');
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data as Float32Array)).toEqual([3.5]);
  });

  it('matches the reference input saved beside a model', () => {
    const a = parseNpy(readFileSync(join(fixtures!, 'mnist-mlp', '1', 'input.npy')));
    const ref = JSON.parse(readFileSync(join(fixtures!, 'mnist-mlp', '1', 'reference.json'), 'utf8')) as { input: number[][] };
    expect(a.shape).toEqual([3, 784]);
    expect(Array.from(a.data as Float32Array)).toEqual(ref.input.flat().map(Math.fround));
  });

  it('names the problem for Fortran order, big-endian, truncation and non-npy bytes', () => {
    expect(() => read('fortran')).toThrow('Fortran-order');
    expect(() => read('bigendian')).toThrow('big-endian');
    const bytes = readFileSync(join(fixtures!, 'npy', 'float64.npy'));
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 8), 'cut.npy')).toThrow('cut.npy: has 40 data bytes, shape [2, 3] needs 48');
    expect(() => parseNpy(Buffer.from('{"not": "npy"}'), 'x.json')).toThrow('x.json: not a .npy file');
  });
});
