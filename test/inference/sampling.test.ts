import { describe, expect, it } from 'vitest';
import { SamplingRng, argmax, sampleNextToken } from '../../src/inference/sampling.js';

const logits = Float32Array.from([0.5, 2.0, -1.0, 1.5, 2.0, 0.0]);

function softmax(values: number[], temperature: number): number[] {
  const max = Math.max(...values);
  const e = values.map((v) => Math.exp((v - max) / temperature));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

describe('sampleNextToken (the sampler shared by the TS model and the ONNX generation)', () => {
  it('is greedy at temperature 0: the first of equal maxima, no draw from the generator', () => {
    const rng = new SamplingRng(3);
    expect(sampleNextToken(logits, { temperature: 0 }, rng)).toBe(1);
    expect(argmax(Float32Array.from([-3, -1, -1]))).toBe(1);
    // The generator was not advanced: its next draw equals a fresh one's.
    expect(rng.uniform()).toBe(new SamplingRng(3).uniform());
  });

  it('draws with the softmax probabilities of logits / temperature', () => {
    const rng = new SamplingRng(11);
    const n = 40000;
    for (const temperature of [1, 0.5]) {
      const counts = new Array<number>(logits.length).fill(0);
      for (let i = 0; i < n; i++) counts[sampleNextToken(logits, { temperature }, rng)]!++;
      const p = softmax([...logits], temperature);
      // Each frequency within 5 standard errors of its probability.
      counts.forEach((c, i) => expect(Math.abs(c / n - p[i]!)).toBeLessThan(5 * Math.sqrt((p[i]! * (1 - p[i]!)) / n) + 1e-9));
    }
  });

  it('keeps the top k logits (ties with the k-th kept), renormalised', () => {
    const rng = new SamplingRng(5);
    const n = 20000;
    const counts = new Array<number>(logits.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampleNextToken(logits, { temperature: 1, topK: 3 }, rng)]!++;
    expect([counts[0], counts[2], counts[5]]).toEqual([0, 0, 0]);
    const p = softmax([2.0, 1.5, 2.0], 1);
    expect(Math.abs(counts[1]! / n - p[0]!)).toBeLessThan(0.02);
    expect(Math.abs(counts[3]! / n - p[1]!)).toBeLessThan(0.02);
    // k = 2 keeps both tied maxima; k = 1 keeps the maxima only (both, since they tie).
    for (let i = 0; i < 200; i++) expect([1, 4]).toContain(sampleNextToken(logits, { topK: 1 }, rng));
    // k larger than the vocabulary means all tokens.
    expect(() => sampleNextToken(logits, { topK: 100 }, rng)).not.toThrow();
  });

  it('gives the same tokens for the same seed and different ones for another seed', () => {
    const draw = (seed: number) => {
      const rng = new SamplingRng(seed);
      return Array.from({ length: 64 }, () => sampleNextToken(logits, { temperature: 1.3, topK: 4 }, rng));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('rejects bad options and logits with a message naming them', () => {
    const rng = new SamplingRng(0);
    expect(() => sampleNextToken(logits, { temperature: -1 }, rng)).toThrow('temperature must be a finite number >= 0, got -1');
    expect(() => sampleNextToken(logits, { topK: 1.5 }, rng)).toThrow('topK must be a non-negative integer');
    expect(() => sampleNextToken(new Float32Array(0), {}, rng)).toThrow('empty logits');
    expect(() => sampleNextToken(Float32Array.from([0, NaN]), {}, rng)).toThrow('logit 1 is NaN');
    expect(() => new SamplingRng(0.5)).toThrow('seed must be an integer');
  });
});
