/**
 * `predict` runs cheap calls on the calling thread and heavy ones in a worker (HybridRunner + RunCostModel):
 * the two paths give bit-identical outputs, a heavy call goes to the worker and leaves the event loop free, and
 * the cost model routes by measured cost. Uses the shipped models/ (no Python needed).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxModel, type OnnxInferenceModel } from '../../src/inference/model.js';
import { loadModel } from '../../src/inference/index.js';
import { RunCostModel } from '../../src/inference/run-cost.js';

const shipped = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

function input(batch: number): { data: Float32Array; shape: number[] } {
  return { data: new Float32Array(batch * 784).map((_, i) => ((i * 37) % 255) / 255), shape: [batch, 1, 28, 28] };
}

describe('RunCostModel', () => {
  it('knows nothing before a measurement, then extrapolates upward from the nearest smaller size', () => {
    const costs = new RunCostModel();
    expect(costs.estimateMs(784)).toBe(Infinity);
    costs.record(784, 0.05);
    expect(costs.estimateMs(784)).toBeCloseTo(0.05, 12);
    expect(costs.estimateMs(64 * 784)).toBeCloseTo(64 * 0.05, 9); // per element of the smaller bucket
    expect(costs.estimateMs(10)).toBe(Infinity); // nothing this small measured
    costs.record(64 * 784, 0.4);
    expect(costs.estimateMs(64 * 784)).toBeCloseTo(0.4, 9);
    // The median of the last 5 (the upper one of an even count): one slow run moves the estimate only to the
    // slower of the two; three slow runs out of five move it all the way.
    costs.record(64 * 784, 40);
    expect(costs.estimateMs(64 * 784)).toBeCloseTo(40, 9);
    costs.record(64 * 784, 0.4);
    expect(costs.estimateMs(64 * 784)).toBeCloseTo(0.4, 9);
    costs.record(64 * 784, 40);
    costs.record(64 * 784, 40);
    expect(costs.estimateMs(64 * 784)).toBeCloseTo(40, 9);
    for (let i = 0; i < 3; i++) costs.record(64 * 784, 0.5); // the oldest drop out
    expect(costs.estimateMs(64 * 784)).toBeCloseTo(0.5, 9);
  });
});

describe('predict: in-thread below the cost threshold, worker above', () => {
  const models: OnnxInferenceModel[] = [];
  afterAll(async () => {
    await Promise.all(models.map((m) => m.close()));
  });

  for (const name of ['mnist-mlp', 'mnist-cnn']) {
    it(`${name}: the worker and the in-thread path give bit-identical outputs (batch 1 and 64)`, async () => {
      for (const batch of [1, 64]) {
        // A fresh model per size (nothing measured yet) and a generous threshold: the first call goes to the
        // worker, the second, once measured, runs in-thread.
        const model = await loadOnnxModel(join(shipped, name, '1'), { workers: 1, intraOpThreads: 1, inThreadBelowMs: 10_000 });
        models.push(model);
        const x = input(batch);
        const before = model.runPaths;
        const first = await model.predict(x); // size not measured yet: worker
        const afterFirst = model.runPaths;
        const second = await model.predict(x); // measured: in-thread
        const afterSecond = model.runPaths;
        expect(afterFirst.worker - before.worker).toBe(1);
        expect(afterSecond['in-thread'] - afterFirst['in-thread']).toBe(1);
        const out = model.outputs[0]!.name;
        expect(first[out]!.shape).toEqual([batch, 10]);
        expect(Buffer.from(second[out]!.data.buffer, second[out]!.data.byteOffset, second[out]!.data.byteLength)).toEqual(
          Buffer.from(first[out]!.data.buffer, first[out]!.data.byteOffset, first[out]!.data.byteLength),
        );
      }
    });
  }

  it('sends a heavy call (batch 2048 cnn) to the worker and keeps the event loop ticking', async () => {
    const model = (await loadModel(join(shipped, 'mnist-cnn', '1'), { intraOpThreads: 1 })) as OnnxInferenceModel;
    models.push(model);
    // Batch 1 is cheap once measured (a cold first run may take a few calls to average out).
    for (let i = 0; i < 50 && model.runPaths['in-thread'] === 0; i++) await model.predict(input(1));
    expect(model.runPaths['in-thread']).toBe(1);
    const before = model.runPaths;
    const heavy = input(2048);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const start = performance.now();
    for (let i = 0; i < 3; i++) await model.predict(heavy);
    const perRunMs = (performance.now() - start) / 3;
    histogram.disable();
    const p99LagMs = histogram.percentile(99) / 1e6;
    console.log(`batch-2048 cnn: ${perRunMs.toFixed(0)} ms per run, event-loop lag p99 ${p99LagMs.toFixed(2)} ms, paths ${JSON.stringify(model.runPaths)}`);
    expect(model.runPaths.worker - before.worker).toBe(3);
    expect(model.runPaths['in-thread']).toBe(1);
    // A call that blocked the loop would show a lag close to its run time.
    expect(p99LagMs).toBeLessThan(0.25 * perRunMs);
  });

  it('workers: 0 runs everything in-thread; inThreadBelowMs: 0 sends everything to a worker', async () => {
    const inThread = await loadOnnxModel(join(shipped, 'mnist-mlp', '1'), { workers: 0 });
    const pooled = await loadOnnxModel(join(shipped, 'mnist-mlp', '1'), { workers: 1, inThreadBelowMs: 0 });
    models.push(inThread, pooled);
    for (let i = 0; i < 3; i++) {
      await inThread.predict(input(1));
      await pooled.predict(input(1));
    }
    expect(inThread.runPaths).toEqual({ 'in-thread': 3, worker: 0 });
    expect(pooled.runPaths).toEqual({ 'in-thread': 0, worker: 3 });
    await expect(loadModel(join(shipped, 'mnist-mlp', '1'), { inThreadBelowMs: -1 })).rejects.toThrow(/inThreadBelowMs must be a number >= 0, got -1/);
  });

  it('rejects calls after close', async () => {
    const model = await loadModel(join(shipped, 'mnist-mlp', '1'));
    await model.predict(input(1));
    await model.close();
    await expect(model.predict(input(1))).rejects.toThrow(/closed/);
  });
});
