/**
 * Parity for any pair of models (docs/architecture.md decision 16): a user's TS module against its PyTorch original,
 * imported from its own file in the project's interpreter through the bridge.
 *
 * ```ts
 * import { checkParity } from 'twinml/parity';
 * const result = await checkParity({ ts: './net.ts#Net', torch: './net.py:Net', input: '4x1x28x28', steps: 10 });
 * console.log(result.table); // result.pass, result.firstDivergingModule, result.report
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import { manualSeed } from '../../nn/generator.js';
import { PythonBridge } from '../../bridge/python-bridge.js';
import { useBackend, type BackendChoice } from '../../backend/index.js';
import { PARITY_SEED, randint, randn } from '../random.js';
import { reference } from '../reference.js';
import { buildReport, formatReport, type CollectedRecord, type ParityReport, type ParityRow } from '../report.js';
import { parseInputSpec, type InputSpec } from './input-spec.js';
import { loadTsModel, parseModelRef, type ModelArgs } from './load-ts-model.js';
import { type PairLoss } from './ts-side.js';
import { compareDropout, compareStep, compareTrajectory, compareWeights } from './compare-pair.js';

/** What checkParity compares. */
export interface CheckParityOptions {
  /** The TS model: `./net.ts#Net`, or a function building the module. */
  ts: string | (() => Module);
  /** The PyTorch original: `./net.py:Net` (imported from its path in the bridge's interpreter). */
  torch: string;
  /** Constructor arguments for both sides (array: positional; object: one options object in TS, keywords in Python). */
  args?: ModelArgs;
  /** The input: `2x1x28x28[:float32|int64]` or an InputSpec. */
  input: string | InputSpec;
  /** Upper bound (exclusive) of int64 inputs (default 10). */
  intHigh?: number;
  /** The loss compared and used by the trajectory (default mse against a random target of the output's shape). */
  loss?: PairLoss;
  /** Trajectory length; 0 (default) skips it. */
  steps?: number;
  /** Trajectory optimizer, torch's name in lower case (default sgd). */
  optimizer?: string;
  /** Trajectory learning rate (default 0.01). */
  lr?: number;
  /** Run the forward passes in training mode (default false: eval, so dropout is identity on both sides). */
  train?: boolean;
  /** The tfjs backend to switch to ('auto' picks the fastest available); default: keep the one in use. */
  backend?: BackendChoice;
  /** Seed of the inputs, cotangents and targets (default PARITY_SEED). */
  seed?: number;
  /** A bridge to reuse (default: PythonBridge.start()). */
  bridge?: PythonBridge;
}

/** The outcome of a pair check. */
export interface ParityResult {
  pass: boolean;
  /** The first module (by path, in TS execution order) whose output or weights diverge; null when all agree. */
  firstDivergingModule: string | null;
  report: ParityReport;
  /** The readable table (formatReport). */
  table: string;
}

function moduleOfKey(key: string): string {
  const at = key.lastIndexOf('.');
  return at < 0 ? '(model)' : key.slice(0, at);
}

/**
 * Checks a TS model against its PyTorch original under the float64 policy: weights both ways (bit-exact),
 * every submodule output by module path, the output(s), the loss, every gradient under a random cotangent,
 * dropout probabilities, and optionally an N-step trajectory.
 * @param options - the pair, the input and what to compare
 */
export async function checkParity(options: CheckParityOptions): Promise<ParityResult> {
  const seed = options.seed ?? PARITY_SEED;
  const spec = typeof options.input === 'string' ? parseInputSpec(options.input) : options.input;
  const torchRef = parseModelRef(options.torch, ':', '--torch');
  const label = typeof options.ts === 'string' ? options.ts.split('/').pop()! : 'model';
  if (options.backend) await useBackend(options.backend);
  const backend = tf.getBackend();
  const py = options.bridge ?? (await PythonBridge.start());
  const versions = await py.versions();
  const records: CollectedRecord[] = [
    { kind: 'versions', versions: { python: versions.python, torch: versions.torch, numpy: versions.numpy, node: process.versions.node, tfjs: tf.version_core } },
  ];
  const pyArgs = { file: torchRef.file, cls: torchRef.name, args: options.args ?? null, seed };
  const context = { subject: 'pair', backend, seed };
  manualSeed(seed);
  const model: Module = typeof options.ts === 'string' ? await loadTsModel<Module>(parseModelRef(options.ts, '#', '--ts'), options.args) : options.ts();
  const rows: ParityRow[] = [];
  let first: string | null = null;
  const note = (newRows: ParityRow[], module: (row: ParityRow) => string | null): void => {
    rows.push(...newRows);
    for (const r of newRows) if (!r.pass && first === null) first = module(r);
  };
  try {
    const weights = await compareWeights(py, model, pyArgs, context);
    note(weights.rows, (r) => moduleOfKey(r.name.split('/').pop()!));
    if (weights.loaded) {
      model.train(options.train ?? false);
      const input = spec.dtype === 'int64' ? randint(`pair/${label}/input`, spec.shape, options.intHigh ?? 10, seed) : randn(`pair/${label}/input`, spec.shape, 1, seed);
      const step = await compareStep(py, model, { pyArgs, input, loss: options.loss ?? 'mse', train: options.train ?? false, label, seed, context });
      note(step.rows, (r) => (r.name.startsWith('module/') ? r.name.slice('module/'.length) : r.name === 'output' || r.name.startsWith('output.') ? '(model)' : null));
      const dropout = await compareDropout(py, model, pyArgs, context);
      note(dropout, (r) => r.name.slice('dropout/'.length));
      if ((options.steps ?? 0) > 0) {
        const traj = await compareTrajectory(py, model, {
          pyArgs,
          spec,
          intHigh: options.intHigh ?? 10,
          steps: options.steps!,
          optimizer: (options.optimizer ?? 'sgd').toLowerCase(),
          lr: options.lr ?? 0.01,
          loss: options.loss ?? 'mse',
          train: options.train ?? false,
          outputShape: step.outputShape,
          label,
          seed,
          context,
        });
        note(traj, (r) => moduleOfKey(r.name.split('/').pop()!));
      }
    }
  } finally {
    model.dispose();
    if (!options.bridge) await py.close();
  }
  for (const row of rows) records.push({ kind: 'row', row });
  const modules = rows.filter((r) => r.name.startsWith('module/'));
  records.push({
    kind: 'localisation',
    localisation: {
      model: label,
      backend,
      firstDivergingModule: first,
      checked: modules.map((r) => ({ module: r.name.slice('module/'.length), pass: r.pass, ratioToTolerance: r.ratioToTolerance })),
    },
  });
  const report = buildReport(records);
  return { pass: report.summary.failed === 0, firstDivergingModule: first, report, table: formatReport(report) };
}
