/**
 * ONNX parity, three ways, for every zoo model and a test-only custom module:
 *  1. the twinml ONNX file passes onnx.checker.check_model(full_check=True) and runs in onnxruntime (Python) and
 *     onnxruntime-node, matching the TS forward (max abs <= 1e-5 * max|output|) at batch sizes 1 and 7;
 *  2. the PyTorch original loaded with the same weights matches the TS forward under the parity policy;
 *  3. the same architecture exported by torch.onnx.export gives the same outputs in onnxruntime-node (<= 1e-5 rel).
 * Needs Python with torch, onnx, onnxruntime, safetensors (src/bridge/find-python.ts): without it the suite is
 * skipped with one line, unless TWINML_REQUIRE_PYTHON=1, which makes it fail.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, toHost } from '../../src/nn/index.js';
import type { Module } from '../../src/nn/module.js';
import { exportOnnx } from '../../src/onnx/index.js';
import { runOrt } from '../../test/onnx/fixtures.js';
import type { StateDict } from '../../src/util/host-tensor.js';
import { diff } from './compare.js';
import { compareTensor } from '../../src/parity/tolerance.js';
import { expectParity } from '../support/session.js';
import { PARITY_CASES } from './cases.js';
import { pythonForParity, runParityJobs, type ParityRun } from './python-job.js';

const BATCHES = [1, 7];
const RTOL = 1e-5;
const python = pythonForParity();
const requirePython = process.env.TWINML_REQUIRE_PYTHON === '1';
if (!python.executable && !requirePython) console.log(`parity-tests/onnx: skipped, no usable Python (${python.skipReason})`);

async function runNode(bytes: Uint8Array, x: tf.Tensor): Promise<Float32Array> {
  return (await runOrt(bytes, x)).data;
}

const fmt = (v: number) => v.toExponential(2);

describe.skipIf(!python.executable && !requirePython)('ONNX parity: twinml export vs TS, onnxruntime and PyTorch', () => {
  const models: Module[] = [];
  const exported: Uint8Array[] = [];
  const inputs: Array<Map<string, tf.Tensor>> = [];
  let run: ParityRun;

  beforeAll(async () => {
    if (!python.executable) throw new Error(`TWINML_REQUIRE_PYTHON=1 but no usable Python: ${python.skipReason}`);
    await tf.setBackend('cpu');
    const jobs = PARITY_CASES.map((c, k) => {
      manualSeed(2024 + k);
      const model = c.build();
      model.eval();
      models.push(model);
      const bytes = exportOnnx(model, { inputShape: [1, ...c.sample] });
      exported.push(bytes);
      const xs = new Map<string, tf.Tensor>();
      const host: StateDict = new Map();
      BATCHES.forEach((b, i) => {
        // seed + 1: tfjs treats a seed of 0 as no seed (the first case's first batch was different every run).
        const x = tf.randomNormal([b, ...c.sample], 0, 1, 'float32', 100 * k + i + 1);
        xs.set(`b${b}`, x);
        host.set(`b${b}`, toHost(x));
      });
      inputs.push(xs);
      return {
        onnx: bytes,
        inputs: host,
        state: model.stateDict(),
        module: c.module,
        className: c.className,
        kwargs: c.kwargs,
        torchExport: !c.noTorchExport,
      };
    });
    run = runParityJobs(python.executable, jobs);
    const torchFiles = jobs.filter((j) => j.torchExport).length;
    console.log(`onnx parity: onnx.checker full_check passed for ${jobs.length} twinml and ${torchFiles} torch.onnx.export files (${JSON.stringify(run.versions)})`);
  });

  afterAll(() => {
    for (const m of models) m.dispose();
    for (const xs of inputs) for (const x of xs.values()) x.dispose();
  });

  PARITY_CASES.forEach((c, k) => {
    it(c.name, async () => {
      const model = models[k]!;
      const result = run.results[k]!;
      for (const [key, x] of inputs[k]!) {
        const y = model.call(x);
        const ts = y.dataSync();
        const ortNode = await runNode(exported[k]!, x);
        const torchOrtNode = result.torchOnnx ? await runNode(result.torchOnnx, x) : null;
        const ortPython = result.outputs.get(`ort_python.${key}`)!.data as Float32Array;
        const torch32Tensor = result.outputs.get(`torch32.${key}`)!;
        const torch32 = torch32Tensor.data as Float32Array;
        const tsVsOrtNode = diff(ortNode, ts);
        const tsVsOrtPython = diff(ortPython, ts);
        const twinmlVsTorchExport = torchOrtNode ? diff(ortNode, torchOrtNode) : null;
        // TS vs the PyTorch original on the same weights, under the parity policy (rows go to the parity report).
        const row = compareTensor({ subject: 'onnx', name: `${c.name} output ${key}`, backend: 'cpu', seed: 100 * k }, ts, result.outputs.get(`torch64.${key}`)!, torch32Tensor);
        console.log(
          `onnx parity ${c.name} ${key} [${y.shape.join(',')}]: |TS-ORTnode| ${fmt(tsVsOrtNode.maxAbs)}, |TS-ORTpy| ${fmt(tsVsOrtPython.maxAbs)}, ` +
            `|twinmlONNX-torchONNX| (ORTnode) ${twinmlVsTorchExport ? fmt(twinmlVsTorchExport.maxAbs) : `n/a (${c.noTorchExport})`}, ` +
            `|TS-torch64| ${fmt(row.ours.maxAbs)} (torch32 ${fmt(row.pytorchFloat32.maxAbs)}, tolerance ${fmt(row.tolerance.maxAbs)}), max|out| ${fmt(tsVsOrtNode.scale)}`,
        );
        expect(tsVsOrtNode.maxAbs).toBeLessThanOrEqual(RTOL * tsVsOrtNode.scale);
        expect(tsVsOrtPython.maxAbs).toBeLessThanOrEqual(RTOL * tsVsOrtPython.scale);
        expectParity([row]);
        if (torchOrtNode && twinmlVsTorchExport) {
          // Is torch.onnx.export's own file faithful to PyTorch eager? Only then must ours agree with it.
          const exportVsEager = diff(torchOrtNode, torch32);
          if (exportVsEager.maxAbs <= RTOL * exportVsEager.scale) {
            expect(c.torchExportIssue, 'torch.onnx.export is faithful here: remove torchExportIssue').toBeUndefined();
            expect(twinmlVsTorchExport.maxAbs).toBeLessThanOrEqual(RTOL * twinmlVsTorchExport.scale);
          } else {
            console.log(`onnx parity ${c.name} ${key}: torch.onnx.export's file differs from PyTorch eager by ${fmt(exportVsEager.maxAbs)} (${c.torchExportIssue ?? 'undocumented'})`);
            expect(c.torchExportIssue, `torch.onnx.export differs from eager by ${fmt(exportVsEager.maxAbs)}`).toBeDefined();
          }
        }
        y.dispose();
      }
    });
  });
});
