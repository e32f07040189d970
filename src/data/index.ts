/**
 * twinml/data: datasets and seeded batching without tfjs. Batches are plain typed arrays in PyTorch layout
 * (`x` flat N·C·H·W, `y` class indices, `shape` [N, ...sampleShape]); make tensors with
 * `tf.tensor(batch.x, batch.shape)` and `tf.tensor1d(batch.y, 'int32')`.
 *
 * ```ts
 * import { epochBatches, type ArrayDataset } from 'twinml/data';
 * for (const batch of epochBatches(ds, epoch, { batchSize: 64, shuffle: true, seed: 0 })) { ... }
 * ```
 * @module twinml/data
 */
export { type ArrayDataset, type Normalization, subset, datasetLength, classHistogram, sampleSize } from './dataset.js';
export { type Batch, type LoaderOptions, epochBatches, epochOrder, numBatches, normalizeInto } from './loader.js';
export { stratifiedSplit, stratifiedIndices } from './split.js';
export { loadCsv, type CsvOptions, type CsvDataset } from './csv.js';
export { openDataset, splitSource, datasetKind, type OpenOptions, type OpenedDataset, type DatasetKind } from './open.js';
export { imageFolder, imageFolderSplits, findClasses, type ImageFolderOptions, type ImageFolderSplits } from './image-folder.js';
export { materialize, streamBatches, epochStream, type StreamOptions, type BatchProvider, type EpochStreamOptions } from './stream.js';
export { loadTrainingData, type TrainingData, type TrainingDataOptions } from './training-data.js';
export { type TransformConfig } from './transforms.js';
export { type SampleSource } from './source.js';
export { classWeights, countClasses } from './balance.js';
export { splitTokens, sampleBatch, type TokenSplit, type TokenBatch } from './text-batches.js';
