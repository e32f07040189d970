/**
 * The whole benchmark: the zoo sections (training/inference throughput on each TS backend vs PyTorch, bench/run.ts),
 * the inference library and server (bench/inference), text generation with the KV cache (bench/generation.ts), the data loaders (bench/data), the Python bridge
 * (bench/bridge.ts), what bounds the tensorflow backend (bench/tensorflow-ops.ts) and the LSTM/GRU step (bench/rnn.ts). One bench/results.json holds
 * every part. The benchmarks live outside the package: they measure the built library (dist/) from a checkout,
 * compiled by `npm run build:bench` (bench/tsconfig.json) and loaded by `twinml bench`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName } from '../dist/backend/index.js';
import { packageRoot } from '../dist/util/paths.js';
import type { BenchArgs } from '../dist/cli/commands/bench.js';

const EXTRA_SECTIONS = ['inference', 'generation', 'data', 'bridge', 'tensorflow-ops', 'rnn'] as const;

export async function runAllBenchmarks(args: BenchArgs): Promise<void> {
  const requested = args.sections ?? [];
  const zooSections = requested.filter((s) => !(EXTRA_SECTIONS as readonly string[]).includes(s));
  const wants = (name: string) => requested.length === 0 || requested.includes(name);
  const out = args.out ?? join(packageRoot(), 'bench', 'results.json');
  const combined: Record<string, unknown> = {};

  if (requested.length === 0 || zooSections.length > 0) {
    const { runBench } = await import('./index.js');
    combined.zoo = await runBench({
      ...(zooSections.length ? { sections: zooSections } : {}),
      ...(args.backend ? { backends: args.backend as BackendName[] } : {}),
      skipTorch: args.skipTorch,
      out,
    });
  }
  if (wants('inference')) {
    const { runInferenceBench } = await import('./inference/index.js');
    combined.inference = await runInferenceBench();
  }
  if (wants('generation')) {
    const { runGenerationBench, formatGenerationBench } = await import('./generation.js');
    const generation = await runGenerationBench();
    for (const line of formatGenerationBench(generation)) console.log(line);
    combined.generation = generation;
  }
  if (wants('data')) {
    const { runDataBench, formatDataBench } = await import('./data/index.js');
    const data = await runDataBench();
    console.log('data loader (images/s read, decoded, transformed and batched):');
    for (const line of formatDataBench(data)) console.log(`  ${line}`);
    combined.data = data;
  }
  if (wants('bridge')) {
    const { benchBridge, formatBridgeBench } = await import('./bridge.js');
    const bridge = await benchBridge();
    console.log(formatBridgeBench(bridge));
    combined.bridge = bridge;
  }
  if (wants('tensorflow-ops')) {
    const { probeBackends } = await import('../dist/backend/index.js');
    const tensorflow = (await probeBackends()).find((s) => s.name === 'tensorflow');
    if (tensorflow?.available) {
      const { runTensorflowOpsBench, formatTensorflowOps } = await import('./tensorflow-ops.js');
      const ops = await runTensorflowOpsBench();
      for (const line of formatTensorflowOps(ops)) console.log(line);
      combined.tensorflowOps = ops;
    } else {
      console.log(`tensorflow-ops: skipped, the tensorflow backend is not available (${tensorflow?.reason}); ${tensorflow?.fix}`);
    }
  }
  if (wants('rnn')) {
    const { runRnnBench, formatRnnBench } = await import('./rnn.js');
    const rnn = await runRnnBench(args.backend as BackendName[] | undefined);
    for (const line of formatRnnBench(rnn)) console.log(line);
    combined.rnn = rnn;
  }
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  } catch {
    previous = {};
  }
  // runBench wrote the zoo part to `out`; keep it and add the other parts (a partial run keeps earlier parts).
  const { zoo: _zoo, ...rest } = combined;
  void _zoo;
  writeFileSync(out, JSON.stringify({ ...previous, ...rest }, null, 2) + '\n');
  console.log(`twinml bench: results in ${out}`);
}
