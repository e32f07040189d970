/**
 * The synchronous native session (createDirectSession, used in-thread and in the workers) against onnxruntime-node's
 * public `InferenceSession.run`: the same input/output specs and bit-identical outputs for the shipped models at
 * batch 1 and 64, output selection, a settled promise from the in-thread runner, and a clear error after release.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDirectSession, createSession, directSessionSupports, releaseSession, runSession } from '../../src/inference/ort-session.js';
import { fixtureModels } from './fixtures/models.js';

const shipped = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
const fixtures = fixtureModels('direct session')!;

describe('createDirectSession', () => {
  for (const name of ['mnist-mlp', 'mnist-cnn']) {
    it(`${name}: same specs and bit-identical outputs as the public session.run (batch 1 and 64)`, async () => {
      const bytes = readFileSync(join(shipped, name, '1', 'model.onnx'));
      const direct = createDirectSession(bytes, { intraOpThreads: 1 });
      const pub = await createSession(bytes, { intraOpThreads: 1 });
      try {
        expect(direct.inputs).toEqual(pub.inputs);
        expect(direct.outputs).toEqual(pub.outputs);
        const spec = pub.inputs[0]!;
        const sample = spec.shape.slice(1) as number[];
        for (const batch of [1, 64]) {
          const shape = [batch, ...sample];
          const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => ((i * 37) % 255) / 255 - 0.3);
          const feeds = { [spec.name]: { dtype: 'float32' as const, shape, data } };
          const mine = direct.run(feeds);
          const theirs = await runSession(pub.session, feeds);
          expect(Object.keys(mine)).toEqual(Object.keys(theirs));
          for (const key of Object.keys(theirs)) {
            expect(mine[key]!.shape).toEqual(theirs[key]!.shape);
            expect(mine[key]!.dtype).toBe(theirs[key]!.dtype);
            expect(Buffer.from(mine[key]!.data.buffer, mine[key]!.data.byteOffset, mine[key]!.data.byteLength)).toEqual(
              Buffer.from(theirs[key]!.data.buffer, theirs[key]!.data.byteOffset, theirs[key]!.data.byteLength),
            );
          }
        }
      } finally {
        direct.release();
        await releaseSession(pub.session);
      }
    });
  }

  it('fetches only the outputs asked for, keeps int64 and symbolic axes, and refuses runs after release', async () => {
    const bytes = readFileSync(join(fixtures, 'two-io', '1', 'model.onnx'));
    const direct = createDirectSession(bytes, {});
    const pub = await createSession(bytes, {});
    expect(direct.inputs).toEqual(pub.inputs);
    expect(direct.outputs).toEqual(pub.outputs);
    const feeds = Object.fromEntries(
      pub.inputs.map((s) => {
        const shape = s.shape.map((d) => (typeof d === 'number' ? d : 2));
        const n = shape.reduce((a, b) => a * b, 1);
        const data = s.dtype === 'int64' ? BigInt64Array.from({ length: n }, (_, i) => BigInt(i - 3)) : Float32Array.from({ length: n }, (_, i) => i / 7);
        return [s.name, { dtype: s.dtype, shape, data }];
      }),
    );
    const one = pub.outputs[pub.outputs.length - 1]!.name;
    const mine = direct.run(feeds as never, [one]);
    const theirs = await runSession(pub.session, feeds as never, [one]);
    expect(Object.keys(mine)).toEqual([one]);
    expect(mine[one]!.data).toEqual(theirs[one]!.data);
    direct.release();
    await releaseSession(pub.session);
    expect(() => direct.run(feeds as never)).toThrow(/released/);
  });

  it('is used for the CPU execution provider only', () => {
    expect(directSessionSupports({})).toBe(true);
    expect(directSessionSupports({ executionProviders: ['cpu'] })).toBe(true);
    expect(directSessionSupports({ executionProviders: ['cuda', 'cpu'] })).toBe(false);
  });
});
