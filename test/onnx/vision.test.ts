import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { decodeModelProto, exportOnnx } from '../../src/onnx/index.js';
import { maxAbs, maxAbsDiff, runOrt } from './fixtures.js';
import { VISION_SAMPLE, VisionNet, randomizeRunningStats } from './vision-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Node {
  name: string;
  opType: string;
  input: string[];
  attribute?: Array<{ name: string; i?: number; f?: number; ints?: number[] }>;
}

describe('exportOnnx vision modules', () => {
  it('exports Conv2d, BatchNorm2d, pools, GELU, LeakyReLU, Softmax, LogSoftmax on NCHW input and matches the TS forward', async () => {
    manualSeed(21);
    const model = new VisionNet();
    randomizeRunningStats(model, 5);
    const bytes = exportOnnx(model, { inputShape: [1, ...VISION_SAMPLE] });
    const proto = decodeModelProto(bytes) as { graph: { node: Node[]; initializer: Array<{ name: string; dims: number[] }> } };
    const nodes = proto.graph.node;
    const byName = (name: string) => nodes.find((n) => n.name === name)!;
    const attr = (n: Node, a: string) => n.attribute?.find((x) => x.name === a);

    const conv0 = byName('/features.0/Conv');
    expect(conv0.input).toEqual(['input', 'features.0.weight', 'features.0.bias']);
    expect(attr(conv0, 'pads')?.ints).toEqual([1, 1, 1, 1]);
    expect(attr(conv0, 'strides')?.ints).toEqual([2, 2]);
    const conv3 = byName('/features.3/Conv');
    expect(attr(conv3, 'group')?.i).toBe(4);
    expect(attr(conv3, 'dilations')?.ints).toEqual([2, 2]);
    expect(proto.graph.initializer.find((i) => i.name === 'features.3.weight')?.dims).toEqual([8, 2, 3, 3]);
    const bn = byName('/features.1/BatchNormalization');
    expect(bn.input).toEqual(['/features.0/Conv_output_0', 'features.1.weight', 'features.1.bias', 'features.1.running_mean', 'features.1.running_var']);
    expect(attr(byName('/features.9/BatchNormalization'), 'epsilon')?.f).toBeCloseTo(1e-3, 9);
    // MaxPool2d(2, ceil_mode=True) on 6x5: the overhang is an explicit bottom/right pad.
    expect(attr(byName('/features.5/MaxPool'), 'pads')?.ints).toEqual([0, 0, 0, 1]);
    expect(nodes.map((n) => n.opType)).not.toContain('Dropout');
    expect(nodes.some((n) => n.name.startsWith('/gap/GlobalAveragePool'))).toBe(true);
    expect(attr(byName('/logSoftmax/LogSoftmax'), 'axis')?.i).toBe(1);
    expect(attr(byName('/softmax/Softmax'), 'axis')?.i).toBe(1);
    expect(nodes.some((n) => n.opType === 'Erf') && nodes.some((n) => n.opType === 'Tanh')).toBe(true);
    expect(nodes.some((n) => n.opType === 'Transpose')).toBe(false); // no NHWC leaks into the graph

    model.eval();
    for (const batch of [1, 7]) {
      const x = tf.randomNormal([batch, ...VISION_SAMPLE], 0, 1, 'float32', 70 + batch);
      const ts = model.call(x).dataSync();
      const ort = await runOrt(bytes, x);
      expect(ort.dims).toEqual([batch, 10]);
      expect(maxAbsDiff(ts, ort.data)).toBeLessThanOrEqual(1e-5 * maxAbs(ts));
    }
  });
});
