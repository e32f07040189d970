import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { arraySource, type SampleSource } from '../../src/data/source.js';
import { materialize, streamBatches } from '../../src/data/stream.js';
import { splitSource } from '../../src/data/open.js';
import { epochOrder } from '../../src/data/loader.js';
import type { ArrayDataset } from '../../src/data/dataset.js';

const n = 40;
const ds: ArrayDataset = {
  x: Float32Array.from({ length: n * 2 }, (_, i) => i),
  y: Int32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0)),
  sampleShape: [2],
  classes: ['a', 'b'],
  source: 'memory',
};

/** Wraps a source to count reads started and consumed, and to make each read take a few ms. */
function instrumented(inner: SampleSource): { source: SampleSource; started: () => number } {
  let started = 0;
  return {
    started: () => started,
    source: {
      ...inner,
      read: async (i, d) => {
        started++;
        await sleep(2);
        return inner.read(i, d);
      },
    },
  };
}

describe('streaming batches', () => {
  it('yields every sample of the epoch order once, in order, with labels', async () => {
    const order = epochOrder(n, 3, 1, true);
    const seen: number[] = [];
    for await (const b of streamBatches(arraySource(ds), { order, batchSize: 7, transform: {}, seed: 3, epoch: 1 })) {
      for (let i = 0; i < b.y.length; i++) {
        const sample = b.x[i * 2]! / 2;
        seen.push(sample);
        expect(b.y[i]).toBe(ds.y[sample]);
      }
      expect(b.shape.slice(1)).toEqual([2]);
    }
    expect(seen).toEqual([...order]);
  });

  it('never reads more than prefetch batches ahead of the consumer, and reads ahead while it works', async () => {
    const { source, started } = instrumented(arraySource(ds));
    const order = epochOrder(n, 0, 0, false);
    let consumed = 0;
    let maxAhead = 0;
    for await (const b of streamBatches(source, { order, batchSize: 4, transform: {}, seed: 0, epoch: 0, prefetch: 3 })) {
      consumed += b.y.length;
      await sleep(15); // the "training step"
      maxAhead = Math.max(maxAhead, started() - consumed);
    }
    expect(consumed).toBe(n);
    expect(maxAhead).toBeLessThanOrEqual(3 * 4);
    expect(maxAhead).toBeGreaterThanOrEqual(2 * 4); // decoding overlapped the step
  });

  it('resumes mid-epoch from a batch index with the same batches', async () => {
    const order = epochOrder(n, 9, 4, true);
    const all: number[][] = [];
    for await (const b of streamBatches(arraySource(ds), { order, batchSize: 8, transform: {}, seed: 9, epoch: 4 })) all.push([...b.x]);
    const tail: number[][] = [];
    for await (const b of streamBatches(arraySource(ds), { order, batchSize: 8, transform: {}, seed: 9, epoch: 4, startBatch: 3 })) tail.push([...b.x]);
    expect(tail).toEqual(all.slice(3));
  });

  it('splits a source stratified without reading samples, and materializes a split', async () => {
    const { train, val } = splitSource(arraySource(ds), 0.25, 1);
    expect(val.labels.length).toBe(10);
    // 30 a + 10 b: exact shares 7.5 and 2.5; the tied remainder goes to the lower class index -> 8 a, 2 b
    expect([...val.labels].filter((l) => l === 1).length).toBe(2);
    const m = await materialize(val, {});
    for (let i = 0; i < 10; i++) expect(ds.y[m.x[i * 2]! / 2]).toBe(m.y[i]);
    const all = new Set([...Array.from({ length: 30 }, (_, i) => train.ref(i).row), ...Array.from({ length: 10 }, (_, i) => val.ref(i).row)]);
    expect(all.size).toBe(40);
  });
});
