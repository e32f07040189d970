/**
 * The generation benchmark: tokens/s of `loadLanguageModel(...).generate` (onnxruntime-node with the KV cache) for
 * the zoo gpt at its default size (4 layers, 4 heads, width 128, 64-token context, 65 characters), against the
 * PyTorch original in the same run with its own KV cache (forward_with_cache), and without one (nanoGPT's generate)
 * for context. Both sides: the same weights, 1 intra-op thread, a 1-token prompt and block_size - 1 new tokens
 * (the whole context, so the cache is never cropped), temperature 1, the median of the repeats.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../dist/backend/index.js';
import { manualSeed } from '../dist/nn/index.js';
import { GPT, GPT_DEFAULTS } from '../dist/models/gpt/index.js';
import { saveSafetensors } from '../dist/io/safetensors.js';
import { exportLanguageModel } from '../dist/cli/export/export-language-model.js';
import { loadLanguageModel } from '../dist/inference/index.js';
import { findPython } from '../dist/bridge/find-python.js';
import { packageRoot } from '../dist/util/paths.js';

export interface GenerationBenchResults {
  config: Record<string, unknown>;
  newTokens: number;
  threads: number;
  /** onnxruntime-node with the KV cache (twinml/inference). */
  onnxKvCacheTokensPerSecond: number;
  /** PyTorch eager, the original's own KV cache; null without Python. */
  torchKvCacheTokensPerSecond: number | null;
  /** PyTorch eager without a cache (nanoGPT's generate); null without Python. */
  torchNoCacheTokensPerSecond: number | null;
  /** onnx / torch with the KV cache. */
  ratioVsTorchKvCache: number | null;
  torchVersion: string | null;
  skipped?: string;
}

const REPEATS = 5;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Runs the generation benchmark (see the file comment). */
export async function runGenerationBench(): Promise<GenerationBenchResults> {
  await useBackend('cpu');
  manualSeed(0);
  const config = { ...GPT_DEFAULTS };
  const model = new GPT(config);
  model.eval();
  const dir = mkdtempSync(join(tmpdir(), 'twinml-bench-generation-'));
  const newTokens = config.block_size - 1;
  const threads = 1;
  try {
    await exportLanguageModel(model, dir, {
      blockSize: config.block_size,
      vocabSize: config.vocab_size,
      card: { name: 'gpt', architecture: { model: 'gpt', config: { ...config } }, source: { createdAt: new Date().toISOString(), twinmlVersion: 'bench' } },
    });
    const weights = join(dir, 'weights.safetensors');
    saveSafetensors(weights, model.stateDict());
    const lm = await loadLanguageModel(dir, { intraOpThreads: threads });
    const rates: number[] = [];
    try {
      await lm.generateAll([0], { maxNewTokens: newTokens, seed: 1 }); // warm-up
      for (let r = 0; r < REPEATS; r++) {
        const start = performance.now();
        await lm.generateAll([0], { maxNewTokens: newTokens, seed: r });
        rates.push(newTokens / ((performance.now() - start) / 1000));
      }
    } finally {
      await lm.close();
    }
    const onnx = median(rates);
    const python = findPython().chosen;
    type TorchResult = { torch_version: string; tokens_per_second: { kv_cache: number; no_cache: number } };
    let torch: TorchResult | null = null;
    let skipped: string | undefined;
    if (python) {
      const job = { weights, config, prompt: [0], new_tokens: newTokens, repeats: REPEATS, threads };
      const out = execFileSync(python.executable ?? python.candidate, [join(packageRoot(), 'bench', 'torch_generate.py')], { input: JSON.stringify(job), encoding: 'utf8' });
      torch = JSON.parse(out) as TorchResult;
    } else {
      skipped = 'no Python with torch: the PyTorch side was not measured';
    }
    return {
      config,
      newTokens,
      threads,
      onnxKvCacheTokensPerSecond: onnx,
      torchKvCacheTokensPerSecond: torch?.tokens_per_second.kv_cache ?? null,
      torchNoCacheTokensPerSecond: torch?.tokens_per_second.no_cache ?? null,
      ratioVsTorchKvCache: torch ? onnx / torch.tokens_per_second.kv_cache : null,
      torchVersion: torch?.torch_version ?? null,
      ...(skipped ? { skipped } : {}),
    };
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The section's lines for the console. */
export function formatGenerationBench(r: GenerationBenchResults): string[] {
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(0));
  return [
    `generation (gpt ${r.config.n_layer} layers x ${r.config.n_embd} wide, ${r.newTokens} new tokens, ${r.threads} thread, tokens/s):`,
    `  onnxruntime-node + KV cache (twinml/inference)   ${f(r.onnxKvCacheTokensPerSecond)}`,
    `  PyTorch eager + its KV cache (forward_with_cache) ${f(r.torchKvCacheTokensPerSecond)}${r.torchVersion ? ` (torch ${r.torchVersion})` : ''}`,
    `  PyTorch eager, no cache (nanoGPT generate)        ${f(r.torchNoCacheTokensPerSecond)}`,
    `  ratio onnx / PyTorch with KV cache: ${r.ratioVsTorchKvCache === null ? `n/a (${r.skipped})` : `${r.ratioVsTorchKvCache.toFixed(2)}x`}`,
  ];
}
