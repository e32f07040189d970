/**
 * The `gpt` bench section: training tokens/s of the zoo gpt (its default 4 layers x 4 heads x 128 wide, 64-token
 * context, 65 characters) with nanoGPT's step (AdamW with decay on 2-D weights, clip_grad_norm_ 1.0, cross entropy
 * over every position), batch 32; bench/torch_bench.py runs the PyTorch original's same step. Rates are tokens/s
 * (sequences/s x 64). Kernel profile of one step: bench/gpt-step-profile.mjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GPT, resolveGPTConfig } from '../dist/models/gpt/index.js';
import { manualSeed } from '../dist/nn/generator.js';
import { languageModelAdamW, languageModelStep } from '../dist/train/lm/index.js';
import { Rng } from '../dist/util/rng.js';
import { measureSteps, registerBenchSection, type MeasureOptions, type Throughput } from './section.js';

/** The benchmarked config (the zoo defaults with tiny Shakespeare's 65 characters), shared with PyTorch. */
export const GPT_BENCH_CONFIG = { block_size: 64, vocab_size: 65, n_layer: 4, n_head: 4, n_embd: 128, dropout: 0, bias: true, tie_weights: true };
const BATCH = 32;

/**
 * Training and inference tokens/s of the gpt on the active backend.
 * @param options - measurement settings (batchSize = sequences per batch)
 */
export async function measureGPT(options: MeasureOptions): Promise<Throughput> {
  manualSeed(1);
  const config = resolveGPTConfig(GPT_BENCH_CONFIG);
  const model = new GPT(config);
  const optimizer = languageModelAdamW(model, { lr: 1e-3, weightDecay: 0.1 });
  const [B, T] = [options.batchSize, config.block_size];
  const rng = new Rng(1);
  const x = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.randint(config.vocab_size)), [B, T], 'int32');
  const y = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.randint(config.vocab_size)), [B, T], 'int32');
  const params = model.parameters();
  const tokens = { ...options, batchSize: B * T };
  try {
    model.train();
    const train = await measureSteps(() => void languageModelStep(model, optimizer, x, y, { params }), tokens);
    model.eval();
    const infer = await measureSteps(() => {
      const out = model.call(x);
      out.dataSync();
      out.dispose();
    }, tokens);
    return { train, infer };
  } finally {
    optimizer.zeroGrad();
    optimizer.disposeState();
    model.dispose();
    x.dispose();
    y.dispose();
  }
}

/** Registers the `gpt` section. */
export function registerGPTSection(): void {
  registerBenchSection({
    name: 'gpt',
    description: 'character GPT 4 layers x 4 heads x 128, 64 tokens, batch 32: TOKENS/s, AdamW + clip_grad_norm_ step',
    batchSize: BATCH,
    skipByDefault: { cpu: "tfjs's cpu backend takes many seconds per gpt step; pass --backend cpu to measure it" },
    torch: { module: 'gpt', cls: 'GPT', kwargs: GPT_BENCH_CONFIG, sampleShape: [GPT_BENCH_CONFIG.block_size], numClasses: GPT_BENCH_CONFIG.vocab_size, task: 'language-model' },
    measure: (_backend, options) => measureGPT(options),
  });
}
