/** The models of the ONNX parity suite: every zoo model and the test-only custom module, with their PyTorch originals. */
import { Adaline, CNN, MLP } from '../../src/models/index.js';
import type { Module } from '../../src/nn/module.js';
import { ResidualConcat } from '../../test/onnx/fixtures.js';
import { randomizeRunningStats } from '../../test/onnx/vision-fixtures.js';
import { VISION_PARITY_CASES } from './vision-cases.js';

export interface ParityCase {
  name: string;
  build: () => Module;
  /** One sample's shape (NCHW images: [C, H, W]). */
  sample: number[];
  /** The PyTorch original: module importable from python/ or parity-tests/onnx/, class, constructor kwargs. */
  module: string;
  className: string;
  kwargs: Record<string, unknown>;
  /** Why torch.onnx.export cannot export the original (the comparison with it is then left out), if so. */
  noTorchExport?: string;
  /**
   * A documented way in which torch.onnx.export's file disagrees with PyTorch itself for this original. The suite
   * checks it: the case fails if the torch export is faithful (drop the note) or unfaithful without a note.
   */
  torchExportIssue?: string;
}

export const PARITY_CASES: ParityCase[] = [
  {
    name: 'adaline',
    build: () => new Adaline({ inFeatures: 784 }),
    sample: [1, 28, 28],
    module: 'twinml_ref.models.adaline',
    className: 'Adaline',
    kwargs: { in_features: 784 },
  },
  {
    name: 'mlp',
    build: () => new MLP({ inFeatures: 784, hidden: [256, 128], numClasses: 10, dropout: 0.2 }),
    sample: [1, 28, 28],
    module: 'twinml_ref.models.mlp',
    className: 'MLP',
    kwargs: { in_features: 784, hidden: [256, 128], num_classes: 10, dropout: 0.2 },
  },
  {
    name: 'cnn',
    build: () => new CNN({ inChannels: 1, imageSize: [28, 28], channels: [16, 32, 64], numClasses: 10, batchNorm: false, dropout: 0 }),
    sample: [1, 28, 28],
    module: 'twinml_ref.models.cnn',
    className: 'CNN',
    kwargs: { in_channels: 1, image_size: [28, 28], channels: [16, 32, 64], num_classes: 10, batch_norm: false, dropout: 0 },
  },
  {
    name: 'cnn (batchNorm, dropout, odd 3-channel 21x19 input)',
    build: () => {
      const model = new CNN({ inChannels: 3, imageSize: [21, 19], channels: [8, 12], numClasses: 7, batchNorm: true, dropout: 0.3 });
      randomizeRunningStats(model, 3);
      return model;
    },
    sample: [3, 21, 19],
    module: 'twinml_ref.models.cnn',
    className: 'CNN',
    kwargs: { in_channels: 3, image_size: [21, 19], channels: [8, 12], num_classes: 7, batch_norm: true, dropout: 0.3 },
  },
  {
    name: 'custom (GELU, residual, concat, matmul, mean)',
    build: () => new ResidualConcat(),
    sample: [3, 5, 4],
    module: 'custom_models',
    className: 'ResidualConcat',
    kwargs: {},
  },
  ...VISION_PARITY_CASES,
];
