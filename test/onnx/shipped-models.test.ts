/**
 * The shipped models in models/<name>/1: valid cards (beside and inside the ONNX file), NCHW input with a dynamic
 * batch, weights named by state_dict key, and trained behaviour on MNIST digits through onnxruntime-node (a sanity
 * check on package digits, not a held-out accuracy).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/inference/index.js';
import { decodeModelProto } from '../../src/onnx/index.js';
import { loadMnistRaw } from '../../src/data/mnist.js';
import { packageRoot } from '../../src/util/paths.js';
import { MODEL_CARD_METADATA_KEY, validateModelCard } from '../../src/util/model-card.js';

const SHIPPED = [
  { name: 'mnist-mlp', firstWeight: 'net.1.weight' },
  { name: 'mnist-cnn', firstWeight: 'features.0.weight' },
];

describe('shipped models', () => {
  for (const { name, firstWeight } of SHIPPED) {
    it(`${name}/1 has its card, NCHW dynamic-batch input and classifies MNIST digits`, async () => {
      const dir = join(packageRoot(), 'models', name, '1');
      const card = validateModelCard(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), `${dir}/model.json`);
      expect(card.name).toBe(name);
      expect(card.input.shape).toEqual(['batch', 1, 28, 28]);
      const bytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
      const proto = decodeModelProto(bytes) as {
        irVersion: number;
        opsetImport: Array<{ version: number }>;
        metadataProps: Array<{ key: string; value: string }>;
        graph: { initializer: Array<{ name: string }> };
      };
      expect([proto.irVersion, proto.opsetImport[0]?.version]).toEqual([8, 17]);
      expect(JSON.parse(proto.metadataProps.find((p) => p.key === MODEL_CARD_METADATA_KEY)!.value)).toEqual(card);
      expect(proto.graph.initializer.map((i) => i.name)).toContain(firstWeight);

      // Every 20th digit of the package (500 digits) as 8-bit pixels (the package holds [0, 1]), preprocessed as the
      // card says (scale, then normalise), in one batch.
      const { x, y } = loadMnistRaw();
      const { mean, std } = card.preprocessing.normalize!;
      const picks = Array.from({ length: Math.floor(y.length / 20) }, (_, i) => i * 20);
      const batch = new Float32Array(picks.length * 784);
      picks.forEach((p, i) => {
        for (let j = 0; j < 784; j++) batch[i * 784 + j] = (x[p * 784 + j]! * 255 * card.preprocessing.scale! - mean[0]!) / std[0]!;
      });
      const model = await loadModel(bytes, { workers: 0 });
      try {
        const out = Object.values(await model.predict({ data: batch, shape: [picks.length, 1, 28, 28] }))[0]!;
        expect(out.shape).toEqual([picks.length, 10]);
        const logits = out.data as Float32Array;
        let correct = 0;
        picks.forEach((p, i) => {
          const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
          if (row.indexOf(Math.max(...row)) === y[p]) correct++;
        });
        expect(correct / picks.length).toBeGreaterThan(0.93);
      } finally {
        await model.close();
      }
    });
  }
});
