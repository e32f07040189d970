/**
 * Weights trained in PyTorch into a TS mirror (docs/architecture.md decision 18): a `.safetensors` file is read in Node;
 * a `.pt`/`.pth` file is read by PyTorch in the bridge with `torch.load(weights_only=True)` and crosses as raw
 * tensors (Node never unpickles anything). Missing, unexpected and mis-shaped keys are one error that names
 * the file and lists every key.
 *
 * ```ts
 * const net = new Net();
 * await loadTorchWeights(net, 'mnist_cnn.pt');
 * ```
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { loadSafetensors } from '../io/safetensors.js';
import { numel, shapeString, type HostTensor, type StateDict } from '../util/host-tensor.js';
import { PythonBridge } from './python-bridge.js';

/** A module that can take a PyTorch state_dict (every twinml Module). */
export interface StateDictTarget {
  stateDict(): StateDict;
  loadStateDict(state: StateDict, strict?: boolean): unknown;
}

/** Options of loadTorchWeights. */
export interface LoadTorchWeightsOptions {
  /** Missing or unexpected keys are errors (default true, like load_state_dict(strict=True)); mis-shaped keys always are. */
  strict?: boolean;
  /** The bridge for `.pt` files (default: PythonBridge.start(), closed afterwards). */
  bridge?: PythonBridge;
}

/**
 * Reads a PyTorch state_dict file: `.safetensors` in Node, `.pt`/`.pth`/`.bin` through the bridge with
 * torch.load(weights_only=True) (a checkpoint dict holding `state_dict` or `model_state_dict` is unwrapped).
 * @param path - the file
 * @param options - the bridge to use for pickled files
 */
export async function readTorchStateDict(path: string, options: { bridge?: PythonBridge } = {}): Promise<StateDict> {
  const file = resolve(path);
  if (!existsSync(file)) throw new Error(`${file}: no such weights file`);
  const ext = extname(file).toLowerCase();
  if (ext === '.safetensors') return loadSafetensors(file).tensors;
  if (ext !== '.pt' && ext !== '.pth' && ext !== '.bin') throw new Error(`${file}: unknown weights format ${ext || '(no extension)'}; use .safetensors, .pt or .pth`);
  const py = options.bridge ?? (await PythonBridge.start());
  try {
    const out = await py.call<{ skipped: string[] }>('load_checkpoint', { path: file });
    const state: StateDict = new Map();
    for (const [k, v] of out.tensors) if (k.startsWith('state.')) state.set(k.slice('state.'.length), v);
    return state;
  } catch (e) {
    throw new Error(`${file}: torch.load(weights_only=True) failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    if (!options.bridge) await py.close();
  }
}

/**
 * Every key problem between a module and a state_dict, in PyTorch's words (empty when it loads).
 * @param expected - the module's own state_dict
 * @param given - the file's
 * @param strict - report missing and unexpected keys
 */
export function stateDictProblems(expected: StateDict, given: StateDict, strict = true): string[] {
  const missing = [...expected.keys()].filter((k) => !given.has(k));
  const unexpected = [...given.keys()].filter((k) => !expected.has(k));
  const misShaped: string[] = [];
  for (const [key, want] of expected) {
    const got: HostTensor | undefined = given.get(key);
    if (got && (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i]) || numel(got.shape) !== numel(want.shape))) {
      misShaped.push(`${key} (checkpoint ${shapeString(got.shape)}, model ${shapeString(want.shape)})`);
    }
  }
  const problems: string[] = [];
  if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
  if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
  if (misShaped.length) problems.push(`mis-shaped keys: ${misShaped.join(', ')}`);
  return problems;
}

/**
 * Loads a PyTorch checkpoint into `model`: one error listing every missing, unexpected and mis-shaped key.
 * @param model - the TS mirror
 * @param path - `.safetensors`, `.pt` or `.pth`
 * @param options - strictness and the bridge
 */
export async function loadTorchWeights(model: StateDictTarget, path: string, options: LoadTorchWeightsOptions = {}): Promise<{ keys: string[] }> {
  const given = await readTorchStateDict(path, options);
  const problems = stateDictProblems(model.stateDict(), given, options.strict ?? true);
  if (problems.length) throw new Error(`${resolve(path)} does not fit the model: ${problems.join('; ')}`);
  model.loadStateDict(given, options.strict ?? true);
  return { keys: [...given.keys()] };
}
