/** The model card of a trained zoo model, from its resolved training config. */
import type { ModelCard } from '../../util/model-card.js';
import type { ResolvedTrainConfig } from '../train/run.js';

export function cardFromConfig(config: ResolvedTrainConfig, outputDim: number, options: { name?: string; version?: string } = {}): ModelCard {
  const datasetStem = config.dataset.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '');
  return {
    name: options.name ?? `${datasetStem}-${config.model}`,
    version: options.version,
    head: config.head,
    labels: config.labels,
    input: { name: 'input', shape: ['batch', ...config.sampleShape], dtype: 'float32' },
    output: { name: 'output', shape: ['batch', outputDim], dtype: 'float32' },
    // The evaluation transform from a decoded 8-bit image (recorded by `train` for --data runs): scale 1/255, normalise.
    preprocessing: config.preprocessing ?? {
      ...(config.sampleShape.length === 3 ? { channels: config.sampleShape[0]!, resize: [config.sampleShape[1]!, config.sampleShape[2]!] as [number, number] } : {}),
      scale: 1 / 255,
      normalize: config.normalization,
    },
    architecture: { model: config.model, config: config.modelConfig as Record<string, unknown> },
    source: { run: config.runDir, dataset: config.dataset, seed: config.seed, createdAt: new Date().toISOString(), twinmlVersion: config.twinmlVersion },
  };
}
