/**
 * `twinml bench rnn` (or `npm run bench:rnn`): ms per LSTM and GRU forward + backward step (batch 16, seq 32,
 * input 64, hidden 64, 2 layers; loss = sum(output * cotangent), gradients of the input and every parameter) on each
 * TS backend next to PyTorch with 1 thread in the same run. On wasm it also runs the cell as composed tfjs ops (the
 * fused TwinmlLstmCell/TwinmlGruCell kernels unregistered for that row), which is what the fused kernels save.
 * Minimum and median step times; the minimum is the figure that holds on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { findPython } from '../dist/bridge/find-python.js';
import { packageRoot } from '../dist/util/paths.js';
import { probeBackends, useBackend, type BackendName } from '../dist/backend/index.js';
import { GRU, LSTM, manualSeed } from '../dist/nn/index.js';
import { GRU_CELL, GRU_CELL_GRAD, LSTM_CELL, LSTM_CELL_GRAD } from '../dist/backend/kernel-names.js';

/** The benchmark's shape (PyTorch runs the same). */
export const RNN_JOB = { cells: ['LSTM', 'GRU'] as const, batch: 16, seq: 32, input: 64, hidden: 64, layers: 2, steps: 30, warmup: 5 };

export interface RnnRow {
  cell: 'LSTM' | 'GRU';
  /** The TS backend, or 'torch (1 thread)'; '(composed cell)' marks the wasm row without the fused kernels. */
  target: string;
  minMs: number;
  medianMs: number;
}

function stepTimes(cell: 'LSTM' | 'GRU'): { minMs: number; medianMs: number } {
  manualSeed(0);
  const { input, hidden, layers, seq, batch } = RNN_JOB;
  const module = cell === 'LSTM' ? new LSTM(input, hidden, { numLayers: layers }) : new GRU(input, hidden, { numLayers: layers });
  const x = tf.variable(tf.randomNormal([seq, batch, input], 0, 1, 'float32', 1));
  const cot = tf.randomNormal([seq, batch, hidden], 0, 1, 'float32', 2);
  const vars = [x, ...module.parameters().map((p) => p.variable)];
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      const [output] = module.call(x) as [tf.Tensor, unknown];
      return tf.sum(tf.mul(output, cot)) as tf.Scalar;
    }, vars);
    // Read one gradient back so the step has finished on asynchronous backends.
    grads[vars[1]!.name]!.dataSync();
    value.dispose();
    tf.dispose(Object.values(grads));
  };
  for (let i = 0; i < RNN_JOB.warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < RNN_JOB.steps; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  tf.dispose([x, cot]);
  module.dispose();
  times.sort((a, b) => a - b);
  return { minMs: times[0]!, medianMs: times[Math.floor(times.length / 2)]! };
}

/** Runs `fn` with the fused cell kernels unregistered on wasm (restored afterwards). */
function withoutFusedCells<T>(fn: () => T): T {
  const saved: KernelConfig[] = [];
  for (const name of [LSTM_CELL, LSTM_CELL_GRAD, GRU_CELL, GRU_CELL_GRAD]) {
    const config = tf.getKernel(name, 'wasm');
    if (config) {
      saved.push(config);
      tf.unregisterKernel(name, 'wasm');
    }
  }
  try {
    return fn();
  } finally {
    for (const config of saved) tf.registerKernel(config);
  }
}

function torchRows(): RnnRow[] {
  const python = findPython();
  if (!python.chosen?.executable) {
    console.log(`rnn: PyTorch side skipped (${python.advice ?? 'no Python with torch found'})`);
    return [];
  }
  const root = packageRoot();
  const r = spawnSync(python.chosen.executable, [join(root, 'bench', 'torch_rnn.py')], { input: JSON.stringify(RNN_JOB), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/torch_rnn.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, { min_ms: number; median_ms: number }>;
  return RNN_JOB.cells.map((cell) => ({ cell, target: 'torch (1 thread)', minMs: out[cell]!.min_ms, medianMs: out[cell]!.median_ms }));
}

/**
 * Measures every available TS backend (or the given ones) and PyTorch.
 * @param backends - TS backends to measure (default: cpu, wasm and tensorflow when available)
 */
export async function runRnnBench(backends?: BackendName[]): Promise<RnnRow[]> {
  const available = (await probeBackends()).filter((s) => s.available).map((s) => s.name);
  const chosen = (backends ?? ['wasm', 'tensorflow', 'cpu']).filter((b) => available.includes(b));
  const rows: RnnRow[] = [];
  for (const backend of chosen) {
    await useBackend(backend);
    for (const cell of RNN_JOB.cells) {
      rows.push({ cell, target: backend === 'tensorflow' ? 'tensorflow (default threads)' : backend, ...stepTimes(cell) });
      if (backend === 'wasm') rows.push({ cell, target: 'wasm (composed cell)', ...withoutFusedCells(() => stepTimes(cell)) });
    }
  }
  rows.push(...torchRows());
  return rows;
}

/** A table: one line per cell and target, with the ratio of PyTorch's minimum to ours. */
export function formatRnnBench(rows: RnnRow[]): string[] {
  const { batch, seq, input, hidden, layers } = RNN_JOB;
  const lines = [`rnn: ms per forward + backward step, batch ${batch}, seq ${seq}, input ${input}, hidden ${hidden}, ${layers} layers (min / median; torch/ours = speed vs PyTorch)`];
  for (const cell of RNN_JOB.cells) {
    const torch = rows.find((r) => r.cell === cell && r.target.startsWith('torch'));
    for (const r of rows.filter((row) => row.cell === cell)) {
      const ratio = torch && !r.target.startsWith('torch') ? `  torch/ours ${(torch.minMs / r.minMs).toFixed(2)}x` : '';
      lines.push(`  ${cell.padEnd(4)} ${r.target.padEnd(30)} ${r.minMs.toFixed(2).padStart(8)} / ${r.medianMs.toFixed(2).padStart(8)} ms${ratio}`);
    }
  }
  return lines;
}
