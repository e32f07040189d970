/** The card's scale + normalize, per channel of NCHW images and per feature of [N, D] tables. */
import { describe, expect, it } from 'vitest';
import { scaleAndNormalize } from '../../src/inference/preprocessing.js';

describe('scaleAndNormalize', () => {
  it('normalizes each channel of an NCHW batch with its own mean and std after scaling', () => {
    // [2, 2, 1, 2]: sample-major, channel planes of 2 pixels.
    const data = Float32Array.from([0, 255, 51, 102, 255, 0, 204, 153]);
    scaleAndNormalize(data, [2, 2, 1, 2], { scale: 1 / 255, normalize: { mean: [0.5, 0.25], std: [0.5, 0.25] } });
    const expected = [0, 255, 51, 102, 255, 0, 204, 153].map((v, i) => {
      const c = Math.floor(i / 2) % 2;
      return (v / 255 - [0.5, 0.25][c]!) / [0.5, 0.25][c]!;
    });
    expected.forEach((e, i) => expect(data[i]).toBeCloseTo(e, 6));
  });

  it('normalizes each feature of an [N, D] table (per-feature statistics of CSV runs)', () => {
    const data = Float32Array.from([1, 10, 100, 3, 30, 300]);
    scaleAndNormalize(data, [2, 3], { scale: 1, normalize: { mean: [2, 20, 200], std: [1, 10, 100] } });
    expect(Array.from(data)).toEqual([-1, -1, -1, 1, 1, 1]);
  });

  it('names the mismatch when the statistics do not fit axis 1', () => {
    expect(() => scaleAndNormalize(new Float32Array(6), [2, 3], { normalize: { mean: [0, 0], std: [1, 1] } })).toThrow(/normalize has 2 entries but the input shape \[2, 3\]/);
  });
});
