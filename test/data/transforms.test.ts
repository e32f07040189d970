import { describe, expect, it } from 'vitest';
import { applyTransform, centerCrop, evalTransform, preprocessingOf, randomCrop, type Chw } from '../../src/data/transforms.js';
import { Rng } from '../../src/util/rng.js';
import type { RawSample } from '../../src/data/source.js';

/** A 1x4x5 image whose value is 10*y + x. */
const grid = (h = 4, w = 5): Chw => ({ data: Float32Array.from({ length: h * w }, (_, i) => 10 * Math.floor(i / w) + (i % w)), c: 1, h, w });

describe('transforms', () => {
  it('center-crops with torchvision offsets (round half to even)', () => {
    // (4-3)/2 = 0.5 -> 0 ; (5-2)/2 = 1.5 -> 2
    expect([...centerCrop(grid(), 3, 2).data]).toEqual([2, 3, 12, 13, 22, 23]);
    // (4-1)/2 = 1.5 -> 2 ; (5-3)/2 = 1
    expect([...centerCrop(grid(), 1, 3).data]).toEqual([21, 22, 23]);
    expect(() => centerCrop(grid(), 5, 5)).toThrow(/larger than the image 4x5/);
  });

  it('random crop with padding draws top then left from the generator, pads with zeros', () => {
    const rng = new Rng(3);
    const twin = new Rng(3);
    const top = twin.randint(4 + 2 - 4 + 1);
    const left = twin.randint(5 + 2 - 5 + 1);
    const out = randomCrop(grid(), 4, 5, 1, rng);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++) {
        const sy = y + top - 1;
        const sx = x + left - 1;
        const want = sy >= 0 && sy < 4 && sx >= 0 && sx < 5 ? 10 * sy + sx : 0;
        expect(out.data[y * 5 + x]).toBe(want);
      }
    }
  });

  it('is reproducible per (seed, epoch, position) and differs across positions', () => {
    const sample: RawSample = { kind: 'vector', data: grid(6, 6).data, shape: [1, 6, 6] };
    const config = { randomCrop: { size: [6, 6] as [number, number], padding: 2 }, horizontalFlip: 0.5 };
    const a = applyTransform(sample, config, { seed: 7, epoch: 2, position: 5 });
    const b = applyTransform(sample, config, { seed: 7, epoch: 2, position: 5 });
    expect([...a.data]).toEqual([...b.data]);
    const outs = new Set(Array.from({ length: 12 }, (_, p) => applyTransform(sample, config, { seed: 7, epoch: 2, position: p }).data.join(',')));
    expect(outs.size).toBeGreaterThan(4);
    expect([...sample.data]).toEqual([...grid(6, 6).data]); // the source is not modified
  });

  it('flips rows, scales 8-bit images by 1/255 and normalises per channel', () => {
    const image: RawSample = { kind: 'image', image: { data: new Uint8Array([0, 255, 51, 102, 153, 204]), width: 3, height: 1, channels: 2 } };
    // HWC with 2 channels: c0 = [0, 51, 153], c1 = [255, 102, 204]; flip -> c0 = [153, 51, 0], c1 = [204, 102, 255]
    const out = applyTransform(image, { horizontalFlip: 1, normalize: { mean: [0.5, 0.25], std: [0.5, 2] } }, { seed: 0, epoch: 0, position: 0 });
    expect(out.shape).toEqual([2, 1, 3]);
    const want = [153, 51, 0].map((v) => (v / 255 - 0.5) / 0.5).concat([204, 102, 255].map((v) => (v / 255 - 0.25) / 2));
    out.data.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it('the evaluation transform drops randomness and maps to the model card Preprocessing', () => {
    const train = { channels: 1, resize: [32, 32] as [number, number], randomCrop: { size: [28, 28] as [number, number], padding: 4 }, horizontalFlip: 0.5, normalize: { mean: [0.1307], std: [0.3081] } };
    expect(evalTransform(train)).toEqual({ channels: 1, resize: [32, 32], centerCrop: [28, 28], normalize: { mean: [0.1307], std: [0.3081] } });
    expect(preprocessingOf(train, true)).toEqual({ channels: 1, resize: [32, 32], centerCrop: [28, 28], scale: 1 / 255, normalize: { mean: [0.1307], std: [0.3081] } });
    expect(preprocessingOf({}, false)).toEqual({ scale: 1 });
  });
});
