/**
 * GPTConfig: a character-level GPT of nanoGPT's shape. The field names are nanoGPT's (python/twinml_ref/models/gpt.py
 * GPTConfig), so a config is the same JSON on both sides.
 */
export interface GPTConfig {
  /** Longest sequence (context length); the position table has this many rows (default 64). */
  block_size: number;
  /** Number of tokens (set from the tokenizer when training; default 65, tiny Shakespeare's characters). */
  vocab_size: number;
  /** Transformer blocks (default 4). */
  n_layer: number;
  /** Attention heads; must divide n_embd (default 4). */
  n_head: number;
  /** Width of the residual stream (default 128). */
  n_embd: number;
  /** Dropout probability after the embeddings, on the attention weights and after each residual branch (default 0). */
  dropout: number;
  /** Biases in the Linear layers and LayerNorms (default true). */
  bias: boolean;
  /** lm_head.weight is transformer.wte.weight, one Parameter (default true, as GPT-2). */
  tie_weights: boolean;
}

/** The defaults: 4 layers, 4 heads, width 128, 64 tokens of context (about 0.8M parameters for 65 characters). */
export const GPT_DEFAULTS: GPTConfig = { block_size: 64, vocab_size: 65, n_layer: 4, n_head: 4, n_embd: 128, dropout: 0, bias: true, tie_weights: true };

/**
 * A complete, validated config from defaults and overrides; a bad field is an error naming it.
 * @param overrides - fields to change
 */
export function resolveGPTConfig(overrides: Partial<GPTConfig>): GPTConfig {
  const config: GPTConfig = { ...GPT_DEFAULTS, ...overrides };
  const known = new Set(Object.keys(GPT_DEFAULTS));
  for (const key of Object.keys(config)) if (!known.has(key)) throw new Error(`model gpt: unknown config field "${key}" (fields: ${[...known].join(', ')})`);
  for (const key of ['block_size', 'vocab_size', 'n_layer', 'n_head', 'n_embd'] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) throw new Error(`model gpt: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (config.n_embd % config.n_head !== 0) throw new Error(`model gpt: n_embd (${config.n_embd}) must be divisible by n_head (${config.n_head})`);
  if (!(typeof config.dropout === 'number' && config.dropout >= 0 && config.dropout < 1)) throw new Error(`model gpt: dropout must be in [0, 1), got ${JSON.stringify(config.dropout)}`);
  for (const key of ['bias', 'tie_weights'] as const) {
    if (typeof config[key] !== 'boolean') throw new Error(`model gpt: ${key} must be true or false, got ${JSON.stringify(config[key])}`);
  }
  return config;
}
