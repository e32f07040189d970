/**
 * Several outputs: a forward returning an object ({ mu, logvar }) or an array ([logits, features]) exports every
 * tensor as a named graph output (object keys; output_0, output_1, ... for an array; or options.outputNames),
 * passes onnx.checker (full check), and matches the TS model output by output in onnxruntime-node.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linear, Module, manualSeed } from '../../src/nn/index.js';
import type { AnyModule } from '../../src/nn/module.js';
import { decodeModelProto, exportOnnx, flattenOutputs } from '../../src/onnx/index.js';
import { validateExport } from '../../src/cli/export/validate.js';
import { loadModel } from '../../src/inference/index.js';
import { referencePython } from '../helpers/python.js';
import { Encoder, LogitsAndFeatures } from '../fixtures/user-models/encoder.js';
import { maxAbs, maxAbsDiff } from './fixtures.js';

interface Decoded {
  irVersion: number;
  opsetImport: Array<{ version: number }>;
  graph: {
    node: Array<{ opType: string; input: string[]; output: string[] }>;
    output: Array<{ name: string; type: { tensorType: { shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } }>;
  };
}
const decode = (bytes: Uint8Array) => decodeModelProto(bytes) as unknown as Decoded;
const dims = (v: Decoded['graph']['output'][number]) => v.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue);

const dir = mkdtempSync(join(tmpdir(), 'twinml-multi-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const PYTHON = referencePython('test/onnx/multi-output.test.ts (the onnx.checker part; the onnxruntime checks still run)');

/**
 * Asserts onnx.checker.check_model(full_check=True) passes in the project's Python and reports opset 17, IR 8.
 * Where no Python with torch and onnx is installed, this part is skipped (named once above).
 */
function expectCheckerClean(bytes: Uint8Array, name: string): void {
  if (PYTHON) expect(onnxChecker(PYTHON, bytes, name)).toBe('ok 17 8');
}

/** onnx.checker's verdict: "ok <opset> <ir>". */
function onnxChecker(python: string, bytes: Uint8Array, name: string): string {
  const file = join(dir, `${name}.onnx`);
  writeFileSync(file, bytes);
  return execFileSync(python, ['-c', `import onnx; m = onnx.load(${JSON.stringify(file)}); onnx.checker.check_model(m, full_check=True); print("ok", m.opset_import[0].version, m.ir_version)`], { encoding: 'utf8' }).trim();
}

/** Every named ONNX output against the TS model's flattened outputs, at batch 1 and 5. */
async function expectOutputsMatch(model: AnyModule, bytes: Uint8Array, names: string[]): Promise<void> {
  const session = await loadModel(bytes, { workers: 0 });
  try {
    expect(session.outputs.map((o) => o.name)).toEqual(names);
    model.eval();
    for (const batch of [1, 5]) {
      const x = tf.randomNormal([batch, 1, 28, 28], 0, 1, 'float32', 40 + batch);
      const ts = flattenOutputs(model.call(x), 'test').map((o) => ({ data: o.tensor.dataSync(), shape: o.tensor.shape }));
      const ort = await session.predict({ data: x.dataSync() as Float32Array, shape: [...x.shape] });
      names.forEach((name, i) => {
        expect(ort[name]!.shape).toEqual(ts[i]!.shape);
        const scale = maxAbs(ts[i]!.data);
        expect(scale).toBeGreaterThan(0);
        expect(maxAbsDiff(ts[i]!.data, ort[name]!.data as Float32Array)).toBeLessThanOrEqual(1e-5 * scale);
      });
    }
  } finally {
    await session.close();
  }
}

describe('exportOnnx: several outputs', () => {
  it('an object { mu, logvar } exports both, named by key, dynamic batch, checker-clean, equal in onnxruntime', async () => {
    manualSeed(3);
    const model = new Encoder();
    const bytes = exportOnnx(model, { inputShape: [1, 1, 28, 28] });
    const m = decode(bytes);
    expect(m.opsetImport[0]!.version).toBe(17);
    expect(m.irVersion).toBe(8);
    expect(m.graph.output.map((o) => o.name)).toEqual(['mu', 'logvar']);
    for (const o of m.graph.output) expect(dims(o)).toEqual(['batch', 8]);
    expectCheckerClean(bytes, 'encoder');
    await expectOutputsMatch(model, bytes, ['mu', 'logvar']);
    const checks = await validateExport(bytes, model, [1, 28, 28]);
    expect(checks.map((c) => `${c.batch}:${c.output}`)).toEqual(['1:mu', '1:logvar', '7:mu', '7:logvar']);
  });

  it('an array exports output_0, output_1, ... or the names given in outputNames', async () => {
    manualSeed(4);
    const model = new LogitsAndFeatures();
    const plain = exportOnnx(model, { inputShape: [1, 1, 28, 28] });
    expect(decode(plain).graph.output.map((o) => [o.name, dims(o)])).toEqual([
      ['output_0', ['batch', 10]],
      ['output_1', ['batch', 16]],
    ]);
    const named = exportOnnx(model, { inputShape: [1, 1, 28, 28], outputNames: ['logits', 'features'] });
    // The features feed the head: renaming the value keeps the graph connected.
    expect(decode(named).graph.node.some((n) => n.input.includes('features'))).toBe(true);
    expectCheckerClean(named, 'logits-features');
    await expectOutputsMatch(model, named, ['logits', 'features']);
  });

  it('a tensor returned twice, or the input itself, becomes an Identity output', async () => {
    class Twice extends Module<tf.Tensor[]> {
      fc = new Linear(4, 3);
      forward(x: tf.Tensor): tf.Tensor[] {
        const y = this.fc.call(x);
        return [y, y, x];
      }
    }
    manualSeed(5);
    const model = new Twice();
    const bytes = exportOnnx(model, { inputShape: [1, 4], outputNames: ['a', 'b', 'echo'] });
    const m = decode(bytes);
    expect(m.graph.node.filter((n) => n.opType === 'Identity').map((n) => [n.input[0], n.output[0]])).toEqual([
      ['a', 'b'],
      ['input', 'echo'],
    ]);
    expectCheckerClean(bytes, 'twice');
    const session = await loadModel(bytes, { workers: 0 });
    try {
      const x = tf.tensor2d([[1, -2, 3, 0.5]]);
      const y = tf.tidy(() => model.call(x)[0]!.dataSync());
      const out = await session.predict({ data: x.dataSync() as Float32Array, shape: [1, 4] });
      expect(maxAbsDiff(out.a!.data as Float32Array, y)).toBeLessThanOrEqual(1e-6);
      expect(Array.from(out.b!.data as Float32Array)).toEqual(Array.from(out.a!.data as Float32Array));
      expect(Array.from(out.echo!.data as Float32Array)).toEqual([1, -2, 3, 0.5]);
    } finally {
      await session.close();
    }
  });

  it('refuses wrong output names and non-tensor outputs, clearly', () => {
    manualSeed(6);
    const model = new Encoder();
    expect(() => exportOnnx(model, { inputShape: [1, 1, 28, 28], outputNames: ['only'] })).toThrow(/outputNames has 1 names \[only\], but forward returns 2 output/);
    expect(() => exportOnnx(model, { inputShape: [1, 1, 28, 28], outputNames: ['z', 'z'] })).toThrow(/output name 'z' is used twice/);
    expect(() => exportOnnx(model, { inputShape: [1, 1, 28, 28], outputName: 'out' })).toThrow(/returns 2 outputs; name them with options.outputNames/);
    expect(() => exportOnnx(model, { inputShape: [1, 1, 28, 28], outputNames: ['mu', 'fc1.weight'] })).toThrow(/'fc1.weight' collides/);
    class Nested extends Module {
      fc = new Linear(4, 2);
      forward(x: tf.Tensor): tf.Tensor {
        // Nesting is outside ModuleOutput's type; a JS model (or a cast) can still return it.
        return { a: this.fc.call(x), b: [x] } as unknown as tf.Tensor;
      }
    }
    expect(() => exportOnnx(new Nested(), { inputShape: [1, 4] })).toThrow(/forward output 'b' is an array of 1, not a tensor/);
  });

  it('the export check compares every output and names the one that differs', async () => {
    manualSeed(7);
    const exported = new Encoder();
    const bytes = exportOnnx(exported, { inputShape: [1, 1, 28, 28] });
    // Same mu head, a different logvar head: only the second output differs.
    const other = new Encoder();
    other.loadStateDict(exported.stateDict(), true);
    other.fc22.bias!.assign(tf.add(exported.fc22.bias!.variable, 0.5));
    await expect(validateExport(bytes, other, [1, 28, 28])).rejects.toThrow(/check failed at batch 1: max \|onnxruntime - TS\| = 5\.0+e-1 in output 'logvar'/);
  });
});
