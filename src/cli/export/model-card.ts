/** The model card of an exported run (see src/util/model-card.ts): labels, tensors, evaluation transform, source. */
import type { ModelCard } from '../../util/model-card.js';
import type { RunConfigForExport } from './run-config.js';

export interface CardOptions {
  name: string;
  version: string;
  inputName: string;
  outputName: string;
  /** Output dims after the batch. */
  outputSample: number[];
  runDir?: string;
  twinmlVersion: string;
}

/**
 * Builds the card. Image inputs are NCHW like the PyTorch original: channels from the sample shape, resize to
 * its H x W, 8-bit pixels scaled by 1/255 (the datasets hold values in [0, 1]), then the run's normalisation.
 * @param config - the run's config
 * @param options - names, version, output shape, source
 */
export function buildModelCard(config: RunConfigForExport, options: CardOptions): ModelCard {
  const sample = config.sampleShape;
  const image = sample.length === 3;
  return {
    name: options.name,
    version: options.version,
    head: config.head,
    labels: config.labels,
    input: { name: options.inputName, shape: ['batch', ...sample], dtype: 'float32' },
    output: { name: options.outputName, shape: ['batch', ...options.outputSample], dtype: 'float32' },
    preprocessing: {
      ...(image ? { channels: sample[0] as number, resize: [sample[1] as number, sample[2] as number] as [number, number] } : {}),
      scale: 1 / 255,
      normalize: { mean: [...config.normalization.mean], std: [...config.normalization.std] },
    },
    architecture: { model: config.model, config: config.modelConfig },
    source: {
      ...(options.runDir ? { run: options.runDir } : {}),
      dataset: config.dataset,
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      createdAt: new Date().toISOString(),
      twinmlVersion: options.twinmlVersion,
    },
  };
}
