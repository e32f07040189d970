/**
 * nanoGPT's `configure_optimizers`: AdamW with weight decay on the parameters of 2 or more dimensions (the matmul
 * weights and embeddings) and none on the others (biases, LayerNorm gains), as
 * python/twinml_ref/models/gpt.py GPT.configure_optimizers.
 */
import type { Module } from '../../nn/module.js';
import { AdamW } from '../optim/adam.js';

/** AdamW's settings for a language model. */
export interface LanguageModelAdamWOptions {
  lr: number;
  /** Decoupled weight decay of the 2-D+ parameters (the others get 0). */
  weightDecay: number;
  /** Default [0.9, 0.99] (nanoGPT's shakespeare_char setting). */
  betas?: [number, number];
}

/**
 * AdamW over two parameter groups: [2-D+ parameters with weightDecay, the rest with 0].
 * @param model - the model (a tied Parameter counts once)
 * @param options - lr, weightDecay, betas
 */
export function languageModelAdamW(model: Module, options: LanguageModelAdamWOptions): AdamW {
  const params = model.parameters();
  const decay = params.filter((p) => p.shape.length >= 2);
  const noDecay = params.filter((p) => p.shape.length < 2);
  return new AdamW(
    [
      { params: decay, weightDecay: options.weightDecay },
      { params: noDecay, weightDecay: 0 },
    ],
    { lr: options.lr, betas: options.betas ?? [0.9, 0.99] },
  );
}
