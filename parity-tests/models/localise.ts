/**
 * Localisation: runs a model once with a global forward hook on our side and forward hooks on every submodule
 * in PyTorch, compares each module's output (in our execution order) and names the first module, by state_dict
 * path, whose output is outside the tolerance.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerGlobalForwardHook, type Module } from '../../src/nn/module.js';
import { fromHost } from '../../src/nn/host.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { Localisation, ParityRow } from '../../src/parity/report.js';
import { compareTensor } from '../../src/parity/tolerance.js';
import { reference } from '../../src/parity/reference.js';
import { PARITY_SEED, randn } from '../../src/parity/random.js';
import { BATCH, buildModel, type ZooCase } from './zoo-cases.js';

/** A readable name for a state_dict path ('' is the whole model). */
export function modulePathName(path: string): string {
  return path === '' ? '(model)' : path;
}

/**
 * @param py - the bridge
 * @param c - the zoo case
 * @param backend - the backend in use
 * @param mutate - optional test-only change applied to our model before running (the localisation test)
 */
export async function localise(py: PythonBridge, c: ZooCase, backend: string, mutate?: (model: Module) => void): Promise<{ localisation: Localisation; rows: ParityRow[] }> {
  const { model, sent } = buildModel(c);
  try {
    const input = randn(`localise/${c.label}/input`, [BATCH, ...c.sampleShape]);
    sent.set('input', input);
    const ref = await reference<{ order: string[] }>(py, 'model_trace', { name: c.name, config: c.config }, sent);
    mutate?.(model);
    model.eval();
    const paths = new Map(model.namedModules().map(([path, m]) => [m, path]));
    const outputs: Array<{ path: string; values: Float32Array; shape: number[] }> = [];
    const remove = registerGlobalForwardHook((m, _inputs, output) => {
      const path = paths.get(m as Module);
      if (path !== undefined && output instanceof tf.Tensor) outputs.push({ path, values: output.dataSync() as Float32Array, shape: output.shape });
    });
    try {
      const x = fromHost(input);
      tf.dispose([model.call(x), x]);
    } finally {
      remove();
    }
    const rows: ParityRow[] = [];
    const checked: Localisation['checked'] = [];
    let first: string | null = null;
    for (const { path, values } of outputs) {
      const key = `trace:${path}`;
      const g = ref.g.get(key);
      const p = ref.p.get(key);
      if (!g || !p) continue; // a module PyTorch does not run as a module (none in the zoo today)
      const row = compareTensor({ subject: 'localisation', name: `localise/${c.label}/${modulePathName(path)}`, backend, seed: PARITY_SEED }, values, g, p);
      rows.push(row);
      checked.push({ module: modulePathName(path), pass: row.pass, ratioToTolerance: row.ratioToTolerance });
      if (!row.pass && first === null) first = modulePathName(path);
    }
    if (checked.length === 0) throw new Error(`localise ${c.label}: no module output could be matched with PyTorch's (${ref.result.float64.order.join(', ')})`);
    return { localisation: { model: c.label, backend, firstDivergingModule: first, checked }, rows };
  } finally {
    model.dispose();
  }
}
