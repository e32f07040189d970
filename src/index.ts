/**
 * twinml: PyTorch's API in TypeScript on TensorFlow.js. `nn` (modules), `F` (torch.nn.functional), `init`,
 * `optim`, the tensor helpers (`randn`, `cat`, `manual_seed`, ...), `backward`, safetensors state_dicts,
 * ONNX export, and `tf` (the very @tensorflow/tfjs-core instance twinml computes with: no second install).
 *
 * ```ts
 * import { nn, F, optim, tf, useBackend, backward, manual_seed } from 'twinml';
 * await useBackend('wasm');
 * manual_seed(0);
 * const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
 * opt.zeroGrad();
 * const loss = backward(() => F.cross_entropy(model.call(x), y), model);
 * opt.step();
 * ```
 * @module twinml
 */
import * as tf from '@tensorflow/tfjs-core';

/** The @tensorflow/tfjs-core instance twinml uses (tensors, ops, `tf.tidy`, `tf.memory()`). */
export { tf };
/** torch.nn: modules, containers, losses (also `nn.functional` and `nn.init`). */
export * as nn from './nn/index.js';
/** torch.nn.functional. */
export * as F from './nn/functional/index.js';
/** torch.nn.init: in-place initialisation of Parameters. */
export * as init from './nn/init.js';
/** torch.optim: optimizers (and `optim.lr_scheduler`). */
export * as optim from './train/optim/index.js';
/** Datasets and seeded batching (also `twinml/data`). */
export * as data from './data/index.js';
export { Module, type ModuleOutput, type AnyModule, type ForwardHook } from './nn/module.js';
export { Parameter, ModuleBuffer } from './nn/parameter.js';
export { flatten, cat, split, stack, randn, rand, randint, randn_like, rand_like, type RandomOptions } from './nn/tensor-helpers.js';
export { masked_fill, triu, tril, topk, multinomial, type TopkOptions, type TopkResult, type MultinomialOptions } from './nn/tensor-ops.js';
export { manual_seed, manualSeed, getDefaultGenerator, Generator } from './nn/generator.js';
export { useBackend, probeBackends, type BackendName, type BackendChoice, type BackendStatus } from './backend/index.js';
export { backward, type GradientTargets } from './train/backward.js';
export { saveSafetensors, loadSafetensors, serializeSafetensors, parseSafetensors } from './io/safetensors.js';
export { type StateDict, type HostTensor, type HostDtype } from './util/host-tensor.js';
export { toHost, fromHost } from './nn/host.js';
export { exportOnnx, type ExportOptions, type DynamicAxes, type OnnxInputDtype, OnnxExportError } from './onnx/index.js';
export { exportCausalLM, exportDecoderWithPast, KV_CACHE_NAMES, type CachedCausalLM, type LayerKV } from './onnx/index.js';
/** Library-wide settings (interpreter for the bridge, wasm relaxed SIMD, ...): `configure({ ... })`. */
export { configure, settings, type TwinmlSettings } from './util/settings.js';
/** The training contract for models whose loss is their own (`trainingStep`/`validationStep`, like Lightning's). */
export { isTrainingModule, type TrainingModule, type StepBatch, type StepResult } from './train/training-module.js';
/** The model zoo's classes (`models.GPT`, `models.MLP`, ...), `models.resolveGPTConfig` and `models.generateTokens`. */
export * as models from './models/index.js';
/** Language-model training (gpt): nanoGPT's loop, its loss, AdamW with decay on 2-D weights, fixed-window evaluation. */
export { trainLanguageModel, languageModelAdamW, languageModelLoss, languageModelStep, evaluateLoss, type LanguageModelTrainingOptions, type LanguageModelEvaluation, type LanguageModelStepOptions } from './train/lm/index.js';
/** Text generation helpers without tfjs: the character tokenizer and the seeded next-token sampler. */
export { CharTokenizer } from './util/char-tokenizer.js';
export { SamplingRng, sampleNextToken, type SamplingOptions } from './util/sampling.js';
