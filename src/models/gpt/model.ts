// Mirrors python/twinml_ref/models/gpt.py: GPT
/**
 * GPT: token embedding + position embedding, n_layer pre-norm Blocks, a final LayerNorm and a bias-free linear head
 * (tied to the token embedding by default). Children are named as nanoGPT's (transformer.wte, transformer.wpe,
 * transformer.drop, transformer.h.{i}, transformer.ln_f, lm_head), so the state_dict keys equal the PyTorch
 * original's. `forward(idx)` gives the logits; `forwardWithCache` also takes and returns every layer's keys and
 * values for incremental decoding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { Embedding } from '../../nn/embedding.js';
import { Dropout } from '../../nn/dropout.js';
import { LayerNorm } from '../../nn/normalization.js';
import { ModuleDict, ModuleList } from '../../nn/containers.js';
import { normal_, zeros_ } from '../../nn/init.js';
import { Block } from './block.js';
import type { LayerCache } from './attention.js';
import type { GPTConfig } from './config.js';

export type { LayerCache };

/** What {@link GPT.forwardWithCache} returns. */
export type GPTCacheOutput = {
  /** [B, T, vocab_size] for the new positions. */
  logits: tf.Tensor;
  /** Every layer's keys and values, [B, n_head, T_past + T, head_dim]. */
  present: LayerCache[];
};

export class GPT extends Module {
  transformer: ModuleDict;
  lm_head: Linear;

  /** @param config - the model's shape (see GPTConfig; resolveGPTConfig validates one) */
  constructor(readonly config: GPTConfig) {
    super();
    this.transformer = new ModuleDict({
      wte: new Embedding(config.vocab_size, config.n_embd),
      wpe: new Embedding(config.block_size, config.n_embd),
      drop: new Dropout(config.dropout),
      h: new ModuleList(Array.from({ length: config.n_layer }, () => new Block(config))),
      ln_f: new LayerNorm(config.n_embd, { bias: config.bias }),
    });
    this.lm_head = new Linear(config.n_embd, config.vocab_size, { bias: false });
    if (config.tie_weights) {
      // weight tying: one Parameter under both keys
      const wte = this.wte;
      wte.weight.dispose();
      wte.weight = this.lm_head.weight;
    }
    for (const [, m] of this.namedModules()) this.initWeights(m);
    // scaled init of the residual projections, per GPT-2
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) normal_(p, 0, 0.02 / Math.sqrt(2 * config.n_layer));
    }
  }

  private initWeights(module: Module): void {
    if (module instanceof Linear) {
      normal_(module.weight, 0, 0.02);
      if (module.bias !== null) zeros_(module.bias);
    } else if (module instanceof Embedding) {
      normal_(module.weight, 0, 0.02);
    }
  }

  private get wte(): Embedding {
    return this.transformer.get<Embedding>('wte');
  }

  /**
   * @param idx - int32 token ids [B, T], T <= block_size
   * @returns logits [B, T, vocab_size]
   */
  forward(idx: tf.Tensor): tf.Tensor {
    return this.decode(idx, null).logits;
  }

  /**
   * The logits of new tokens after cached ones, and the cache including them. With `past = null` the logits equal
   * forward's.
   * @param idx - int32 token ids [B, T] of the new positions
   * @param past - the cache from the previous call (one entry per layer), or null
   */
  forwardWithCache(idx: tf.Tensor, past: LayerCache[] | null): GPTCacheOutput {
    return tf.tidy(() => this.decode(idx, past));
  }

  private decode(idx: tf.Tensor, past: LayerCache[] | null): GPTCacheOutput {
    if (idx.rank !== 2) throw new Error(`GPT: expected token ids [B, T], got shape [${idx.shape.join(', ')}]`);
    const t = idx.shape[1]!;
    const tPast = past === null ? 0 : past[0]!.key.shape[2]!;
    if (past !== null && past.length !== this.config.n_layer) throw new Error(`GPT: the cache has ${past.length} layers, the model ${this.config.n_layer}`);
    if (tPast + t > this.config.block_size) throw new Error(`GPT: cannot forward a sequence of length ${tPast + t}, block size is only ${this.config.block_size}`);
    const pos = tf.range(tPast, tPast + t, 1, 'int32'); // shape (t)
    const tokEmb = this.wte.call(idx); // (b, t, n_embd)
    const posEmb = this.transformer.get<Embedding>('wpe').call(pos); // (t, n_embd)
    let x = this.transformer.get<Dropout>('drop').call(tf.add(tokEmb, posEmb));
    const present: LayerCache[] = [];
    let i = 0;
    for (const block of this.transformer.get<ModuleList>('h')) {
      const out = (block as Block).call(x, past === null ? null : past[i]!);
      x = out.x;
      present.push({ key: out.key, value: out.value });
      i++;
    }
    x = this.transformer.get<LayerNorm>('ln_f').call(x);
    return { logits: this.lm_head.call(x), present };
  }
}
