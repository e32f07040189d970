import { describe, expect, it } from 'vitest';
import { sampleBatch, splitTokens } from '../../src/data/text-batches.js';
import { Rng } from '../../src/util/rng.js';

describe('language-model batches', () => {
  const tokens = Int32Array.from({ length: 100 }, (_, i) => i);

  it('splits the head for training and the tail for validation', () => {
    const { train, val } = splitTokens(tokens, 0.1, 8);
    expect([train.length, val.length]).toEqual([90, 10]);
    expect(val[0]).toBe(90);
    expect(() => splitTokens(tokens, 0.05, 8)).toThrow('the val split has 5 tokens (of 100); it needs more than block_size = 8');
    expect(() => splitTokens(tokens, 1, 8)).toThrow('valFraction must be in (0, 1), got 1');
  });

  it('draws windows and their next tokens at offsets from the seeded generator', () => {
    const batch = sampleBatch(tokens, 3, 5, new Rng(7));
    const rng = new Rng(7);
    for (let b = 0; b < 3; b++) {
      const i = rng.randint(100 - 5);
      expect([...batch.x.subarray(b * 5, b * 5 + 5)]).toEqual([i, i + 1, i + 2, i + 3, i + 4]);
      expect([...batch.y.subarray(b * 5, b * 5 + 5)]).toEqual([i + 1, i + 2, i + 3, i + 4, i + 5]);
    }
    expect(sampleBatch(tokens, 3, 5, new Rng(7)).x).toEqual(batch.x);
    expect(() => sampleBatch(tokens.subarray(0, 5), 1, 5, new Rng(0))).toThrow('5 tokens are not more than block_size = 5');
  });
});
