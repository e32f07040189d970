/** The models of the ONNX parity suite: every zoo model and the test-only custom module, with their PyTorch originals. */
import { Adaline, MLP } from '../../src/models/index.js';
import type { Module } from '../../src/nn/module.js';
import { ResidualConcat } from '../../test/onnx/fixtures.js';

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
    name: 'custom (GELU, residual, concat, matmul, mean)',
    build: () => new ResidualConcat(),
    sample: [3, 5, 4],
    module: 'custom_models',
    className: 'ResidualConcat',
    kwargs: {},
  },
];
