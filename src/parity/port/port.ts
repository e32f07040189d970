/**
 * `port()`: writes the TypeScript mirror of a PyTorch model and proves it with the pair parity check.
 *
 * ```ts
 * import { port } from 'twinml/port';
 * const result = await port({ torch: './net.py:Net', input: '2x1x28x28', out: './net.ts' });
 * if (!result.ok) console.error(result.gaps.map(formatGap).join('\n'));
 * ```
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PythonBridge } from '../../bridge/python-bridge.js';
import { checkParity, type ParityResult } from '../pair/check-parity.js';
import { parseInputSpec } from '../pair/input-spec.js';
import { parseModelRef, type ModelArgs } from '../pair/load-ts-model.js';
import type { PairLoss } from '../pair/ts-side.js';
import type { BackendChoice } from '../../backend/index.js';
import type { ModelDescription } from './description.js';
import { generateModule } from './generate.js';
import type { PortGap } from './gaps.js';

/** What to port and how to check it. */
export interface PortOptions {
  /** The PyTorch original: `./net.py:Net`, imported from its path in the project's interpreter. */
  torch: string;
  /** Constructor arguments (array: positional; object: keyword arguments), as for `twinml parity --args`. */
  args?: ModelArgs;
  /** A sample input `2x1x28x28[:float32|int64]`: shapes guide the translation, and parity runs on it. */
  input: string;
  /** Where to write the TypeScript file (its folder is created). */
  out: string;
  /** The module specifier the generated file imports twinml from (default 'twinml'). */
  importFrom?: string;
  /** Run `twinml parity` on the pair after writing (default true; skipped when something was not translated). */
  parity?: boolean;
  /** Parity trajectory length (default 10). */
  steps?: number;
  /** Parity loss (default mse to a random target). */
  loss?: PairLoss;
  /** Parity trajectory optimizer (default sgd). */
  optimizer?: string;
  /** Parity trajectory learning rate (default 0.01). */
  lr?: number;
  /** int64 inputs are drawn from [0, intHigh) (default 10). */
  intHigh?: number;
  /** The tfjs backend of the parity check (default 'auto': the fastest installed). */
  backend?: BackendChoice;
  /** A bridge to reuse (default: one is started and closed). */
  bridge?: PythonBridge;
}

/** What port() did. */
export interface PortResult {
  /** True when everything was translated and parity passed (or was not asked for). */
  ok: boolean;
  /** The written file (absolute path). */
  out: string;
  /** The generated source. */
  source: string;
  /** The TS class names (root last) and the exported root class. */
  classes: string[];
  root: string;
  /** What could not be translated, with Python lines; each is a `// TODO twinml port: unsupported` + throw in the file. */
  gaps: PortGap[];
  /** Differences that do not change the computation (e.g. a random-initialised parameter starting at zeros). */
  notes: string[];
  /** The parity check of the pair, or null when it did not run. */
  parity: ParityResult | null;
  /** The model description the Python side produced. */
  description: ModelDescription;
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Describes the PyTorch model (module tree, constructor arguments, torch.fx trace of each forward), writes its
 * twinml mirror to `options.out`, and runs the pair parity check on it.
 * @param options - the model, its input, the output file and the parity settings
 */
export async function port(options: PortOptions): Promise<PortResult> {
  const ref = parseModelRef(options.torch, ':', '--torch');
  const spec = parseInputSpec(options.input);
  const out = resolve(options.out);
  if (!/\.(ts|mts)$/.test(out)) throw new Error(`twinml port: --out ${options.out}: the output must be a .ts file`);
  const py = options.bridge ?? (await PythonBridge.start());
  try {
    let result: ModelDescription;
    try {
      ({ result } = await py.call<ModelDescription>('port_describe', {
        file: ref.file,
        cls: ref.name,
        args: options.args ?? null,
        input: { shape: spec.shape, dtype: spec.dtype, intHigh: options.intHigh ?? 10 },
      }));
    } catch (e) {
      // The bridge's message ends with the Python traceback; the first line names the error.
      const first = ((e as Error).message.split('\n')[0] ?? '').replace(/^twinml bridge: port_describe failed in Python: /, '');
      throw new Error(`twinml port: ${options.torch}: loading, building or describing the model failed in Python: ${first}`);
    }
    const generated = generateModule(result, { importFrom: options.importFrom, args: options.args });
    writeAtomically(out, generated.source);
    const base = { out, source: generated.source, classes: generated.classes, root: result.root, gaps: generated.gaps, notes: generated.notes, description: result };
    if (generated.gaps.length > 0 || options.parity === false) return { ...base, ok: generated.gaps.length === 0, parity: null };
    const parity = await checkParity({
      ts: `${out}#${result.root}`,
      torch: options.torch,
      args: options.args,
      input: spec,
      intHigh: options.intHigh,
      loss: options.loss,
      steps: options.steps ?? 10,
      optimizer: options.optimizer,
      lr: options.lr,
      backend: options.backend ?? 'auto',
      bridge: py,
    });
    return { ...base, ok: parity.pass, parity };
  } finally {
    if (!options.bridge) await py.close();
  }
}
