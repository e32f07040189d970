/**
 * twinml/nn: torch.nn's modules, containers and losses (also reachable as `nn` from 'twinml').
 * @module twinml/nn
 */
export { Module, registerGlobalForwardHook, isForwardObserved, type ForwardHook } from './module.js';
export { Parameter, ModuleBuffer } from './parameter.js';
export { Linear, type LinearOptions } from './linear.js';
export { ReLU, Sigmoid, Tanh } from './activation.js';
export { Flatten } from './flatten.js';
export { Dropout, bernoulliKeepMask, type MaskSource } from './dropout.js';
export { Sequential } from './sequential.js';
export { manualSeed, getDefaultGenerator } from './generator.js';
export * as init from './init.js';
export { toHost, fromHost } from './host.js';
export { Conv2d, type Conv2dOptions, type Conv2dPadding } from './conv.js';
export { conv2dNHWC, groupedConv2dNHWC, type Conv2dGeometry } from './conv-functional.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, pooledSize, type MaxPool2dOptions, type AvgPool2dOptions } from './pooling.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './batchnorm.js';
export { Dropout2d } from './dropout2d.js';
export { LeakyReLU, GELU, type GELUApproximate } from './activation-extra.js';
export { Softmax, LogSoftmax } from './softmax.js';
export { toNHWC, toNCHW } from './layout.js';
export { type ModuleOutput, type AnyModule } from './module.js';
export { ModuleList, ModuleDict, ParameterList } from './containers.js';
// Sequence models (issue 16): normalisation, attention, transformer layers.
export { LayerNorm, RMSNorm, type LayerNormOptions, type RMSNormOptions } from './normalization.js';
export {
  MultiheadAttention,
  NonDynamicallyQuantizableLinear,
  type MultiheadAttentionOptions,
  type MultiheadAttentionForwardOptions,
} from './multihead-attention.js';
export {
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerDecoder,
  type TransformerActivation,
  type TransformerLayerOptions,
  type TransformerStackOptions,
  type EncoderLayerForwardOptions,
  type DecoderLayerForwardOptions,
  type EncoderForwardOptions,
} from './transformer.js';
export {
  Loss,
  CrossEntropyLoss,
  NLLLoss,
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  BCELoss,
  BCEWithLogitsLoss,
  type Reduction,
  type WeightInput,
  type CrossEntropyOptions,
  type NLLLossOptions,
  type BCEOptions,
  type BCEWithLogitsOptions,
  type ReductionOptions,
  type SmoothL1Options,
  type HuberOptions,
} from './loss/index.js';
export * as functional from './functional/index.js';
export * as utils from './utils/index.js';
