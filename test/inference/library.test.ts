import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, topClasses, type InferenceModel } from '../../src/inference/index.js';
import { decodeImage } from '../../src/util/image/decode.js';
import { applyTransform, decodeOptions, evalTransform, preprocessingOf } from '../../src/data/transforms.js';
import { fixtureModels, reference } from './fixtures/models.js';

const dir = fixtureModels('inference library');

function maxAbsDiff(a: ArrayLike<number>, b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(!dir)('loadModel / predict against PyTorch', () => {
  const models: InferenceModel[] = [];
  const open = async (name: string, workers = 1) => {
    const m = await loadModel(join(dir!, name, '1'), { workers });
    models.push(m);
    return m;
  };
  afterAll(async () => {
    await Promise.all(models.map((m) => m.close()));
  });

  it('describes inputs, outputs (dynamic axes) and the card', async () => {
    const m = await open('mnist-mlp');
    expect(m.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['batch', 784] }]);
    expect(m.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['batch', 10] }]);
    expect(m.card?.name).toBe('mnist-mlp');
    expect(m.card?.labels).toHaveLength(10);
  });

  for (const [name, workers] of [['mnist-mlp', 1], ['mnist-cnn', 2], ['adaline', 0]] as const) {
    it(`${name} (workers ${workers}) matches PyTorch eager from nested arrays, typed arrays and {data, shape}`, async () => {
      const m = await open(name, workers);
      const ref = reference(dir!, name);
      const expected = ref.output.flat(Infinity) as number[];
      const outName = m.outputs[0]!.name;
      const fromNested = await m.predict(ref.input as never);
      const diffNested = maxAbsDiff(fromNested[outName]!.data as Float32Array, expected);
      const flat = Float32Array.from(ref.input.flat(Infinity) as number[]);
      const fromTyped = await m.predict(flat);
      const shape = [ref.input.length, ...m.inputs[0]!.shape.slice(1)] as number[];
      const fromTensor = await m.predict({ [m.inputs[0]!.name]: { data: flat, shape } });
      console.log(`${name}: max |onnxruntime - torch| = ${diffNested.toExponential(2)}`);
      expect(diffNested).toBeLessThan(1e-5);
      expect(fromTyped[outName]!.data).toEqual(fromNested[outName]!.data);
      expect(fromTensor[outName]!.data).toEqual(fromNested[outName]!.data);
      expect(fromNested[outName]!.shape[0]).toBe(ref.input.length);
    });
  }

  it('two inputs, two outputs, int64 in and out', async () => {
    const m = await open('two-io');
    const out = await m.predict({ a: [[1, 2, 3], [4, 5, -6]], b: new BigInt64Array([1n, 2n, 3n, -4n]) });
    // y = 2a + sum(b, axis 1); z = 3b (computed by hand)
    expect(Array.from(out.y!.data as Float32Array)).toEqual([5, 7, 9, 7, 9, -13]);
    expect(out.y!.shape).toEqual([2, 3]);
    expect(out.z!.dtype).toBe('int64');
    expect(Array.from(out.z!.data as BigInt64Array)).toEqual([3n, 6n, 9n, -12n]);
    const onlyZ = await m.predict({ a: [[0, 0, 0]], b: [[2n ** 40n, 1n]] }, { outputs: ['z'] });
    expect(Object.keys(onlyZ)).toEqual(['z']);
    expect((onlyZ.z!.data as BigInt64Array)[0]).toBe(3n * 2n ** 40n);
  });

  it('every dtype round-trips through Identity', async () => {
    const m = await open('dtypes', 0);
    const out = await m.predict({
      in_f64: [1.5, -2.25],
      in_i32: new Int32Array([2, -2147483648]),
      in_u8: [3, 255],
      in_b: [true, false],
      in_i8: [-4, 127],
      in_i16: [5, -32768],
      in_u16: [6, 65535],
      in_f16: [0.5, -65504],
      in_u32: [7, 4294967295],
      in_u64: [8n, 2n ** 64n - 1n],
    });
    expect(Array.from(out.out_f64!.data as Float64Array)).toEqual([1.5, -2.25]);
    expect(Array.from(out.out_i32!.data as Int32Array)).toEqual([2, -2147483648]);
    expect(Array.from(out.out_b!.data as Uint8Array)).toEqual([1, 0]);
    expect(out.out_b!.dtype).toBe('bool');
    expect(Array.from(out.out_i8!.data as Int8Array)).toEqual([-4, 127]);
    // IEEE half bits: 0.5 = 0x3800, -65504 = 0xfbff
    expect(Array.from(out.out_f16!.data as Uint16Array)).toEqual([0x3800, 0xfbff]);
    expect(Array.from(out.out_u64!.data as BigUint64Array)).toEqual([8n, 2n ** 64n - 1n]);
    expect(Array.from(out.out_u32!.data as Uint32Array)).toEqual([7, 4294967295]);
  });

  it('wrong shapes, dtypes and names are clear errors naming the expected shape', async () => {
    const m = await open('mnist-mlp');
    await expect(m.predict([[1, 2, 3]])).rejects.toThrow(
      'input "input" has shape [1, 3] but the model expects float32 [batch, 784] (dynamic axes: batch)',
    );
    await expect(m.predict(new Float32Array(785))).rejects.toThrow('785 values');
    await expect(m.predict(new Float64Array(784))).rejects.toThrow('expects float32 (Float32Array), got Float64Array');
    await expect(m.predict({ image: new Float32Array(784) })).rejects.toThrow('unknown input "image"; the model\'s inputs are "input"');
    await expect(m.predict({ data: new Float32Array(784), shape: [2, 784] })).rejects.toThrow('has 784 values but shape [2, 784] needs 1568');
    const two = await open('two-io');
    await expect(two.predict({ a: [[1, 2, 3]] })).rejects.toThrow('missing input "b"');
    await expect(two.predict({ a: [[1, 2, 3]], b: [[1.5, 2]] })).rejects.toThrow('1.5 is not an integer');
    await expect(m.predict(new Float32Array(784), { outputs: ['nope'] })).rejects.toThrow('unknown output "nope"');
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    await expect(m.predict(deep as number[][])).rejects.toThrow('nested deeper than 32 levels');
  });

  it('one sample without the batch axis gets one', async () => {
    const m = await open('mnist-mlp');
    const ref = reference(dir!, 'mnist-mlp');
    const out = await m.predict(ref.input[0]!);
    expect(out.logits!.shape).toEqual([1, 10]);
    expect(maxAbsDiff(out.logits!.data as Float32Array, ref.output[0]!)).toBeLessThan(1e-5);
  });

  it('classify: softmax top-k with probabilities, sign head for Adaline', async () => {
    const m = await open('mnist-mlp');
    const ref = reference(dir!, 'mnist-mlp');
    const [c] = await m.classify(ref.input[0]!, { top: 3, raw: true });
    const logits = ref.output[0]!;
    const max = Math.max(...logits);
    const exp = logits.map((v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    const order = logits.map((_, i) => i).sort((i, j) => logits[j]! - logits[i]!);
    expect(c!.top.map((t) => t.index)).toEqual(order.slice(0, 3));
    expect(c!.top[0]!.probability).toBeCloseTo(exp[order[0]!]! / sum, 6);
    const ada = await open('adaline');
    const aref = reference(dir!, 'adaline');
    const results = await ada.classify(aref.input as never, { raw: true });
    expect(results.map((r) => r.top[0]!.label)).toEqual(aref.output.map((o) => (o[0]! > 0 ? 'versicolor' : 'setosa')));
  });

  it('classify applies the card preprocessing (scale 1/255, normalize)', async () => {
    const m = await open('mnist-mlp');
    const pixels = Array.from({ length: 784 }, (_, i) => (i * 37) % 256);
    const pre = m.card!.preprocessing;
    const manual = pixels.map((p) => (p * pre.scale! - pre.normalize!.mean[0]!) / pre.normalize!.std[0]!);
    const [viaCard] = await m.classify([pixels], { top: 10 });
    const logits = await m.predict([manual]);
    const [expected] = topClasses(logits.logits!, { head: 'softmax', labels: m.card!.labels, top: 10 });
    expect(viaCard!.top.map((t) => t.index)).toEqual(expected!.top.map((t) => t.index));
    expect(viaCard!.top[0]!.probability).toBeCloseTo(expected!.top[0]!.probability, 6);
  });

  it('classify(image): PNG path or bytes, grayscale + resize + scale/normalize from the card', async () => {
    const m = await open('mnist-cnn');
    // 56x56 RGB PNG with R = G = B; the expected tensor is the training evaluation transform's (sharp decode with
    // gray conversion and resize, then scale/normalize), which test/inference/train-serve-skew.test.ts checks
    // bit for bit against the inference pipeline on many more images.
    const png = new PNG({ width: 56, height: 56 });
    const small = Array.from({ length: 784 }, (_, i) => (i * 53) % 256);
    for (let y = 0; y < 56; y++) {
      for (let x = 0; x < 56; x++) {
        const v = small[(y >> 1) * 28 + (x >> 1)]!;
        png.data.set([v, v, v, 255], (y * 56 + x) * 4);
      }
    }
    const bytes = PNG.sync.write(png);
    const file = join(mkdtempSync(join(tmpdir(), 'twinml-img-')), 'digit.png');
    writeFileSync(file, bytes);
    const fromPath = await m.classify(file, { top: 10 });
    const fromBytes = await m.classify(new Uint8Array(bytes), { top: 10 });
    const evalConfig = evalTransform({ channels: 1, resize: [28, 28], scale: 1 / 255, normalize: { mean: [0.1307], std: [0.3081] } });
    expect(preprocessingOf(evalConfig, true)).toEqual(m.card!.preprocessing);
    const decoded = await decodeImage(bytes, 'digit.png', decodeOptions(evalConfig));
    const training = applyTransform({ kind: 'image', image: decoded }, evalConfig, { seed: 0, epoch: 0, position: 0 });
    const logits = await m.predict({ data: training.data, shape: [1, ...training.shape] });
    const [expected] = topClasses(logits.logits!, { head: 'softmax', labels: m.card!.labels, top: 10 });
    expect(fromPath[0]!.top.map((t) => t.index)).toEqual(expected!.top.map((t) => t.index));
    expect(fromPath[0]!.top[0]!.probability).toBeCloseTo(expected!.top[0]!.probability, 5);
    expect(fromBytes).toEqual(fromPath);
    await expect(m.classify(join(dir!, 'mnist-cnn', '1', 'model.json'))).rejects.toThrow(/model\.json: cannot decode image/);
  });

  it('loads a bare .onnx path and ONNX bytes (no card)', async () => {
    const path = join(dir!, 'two-io', '1', 'model.onnx');
    const fromPath = await loadModel(path, { workers: 0 });
    models.push(fromPath);
    expect(fromPath.card).toBeNull();
    const fromBytes = await loadModel(readFileSync(path), { workers: 1 });
    models.push(fromBytes);
    expect(fromBytes.inputs.map((i) => i.name)).toEqual(['a', 'b']);
    await expect(fromBytes.classify([[1, 2, 3]])).rejects.toThrow('classify needs a model card');
    await expect(loadModel(join(dir!, 'nope'))).rejects.toThrow('does not exist');
  });
});
