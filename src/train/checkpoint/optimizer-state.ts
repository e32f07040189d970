/**
 * An optimizer's stateDict() split into its tensors (optimizer.safetensors, keys `state.<param index>.<name>`,
 * like the flattened torch optimizer state_dict) and the rest (optimizer.json: step counts and param groups).
 */
import type { OptimizerStateDict } from '../optim/optimizer.js';
import type { HostTensor, StateDict } from '../../util/host-tensor.js';

export interface OptimizerStateJson {
  /** Per parameter index: its step count, or null when it has no state yet. */
  state: Array<{ step: number } | null>;
  groups: Array<Record<string, unknown>>;
}

export function splitOptimizerState(sd: OptimizerStateDict): { tensors: StateDict; json: OptimizerStateJson } {
  const tensors: StateDict = new Map();
  sd.state.forEach((entry, i) => {
    if (!entry) return;
    for (const [name, t] of Object.entries(entry.tensors)) tensors.set(`state.${i}.${name}`, t);
  });
  return { tensors, json: { state: sd.state.map((e) => (e ? { step: e.step } : null)), groups: sd.groups } };
}

/**
 * @param tensors - from optimizer.safetensors
 * @param json - from optimizer.json
 * @param source - folder name for error messages
 */
export function joinOptimizerState(tensors: StateDict, json: OptimizerStateJson, source: string): OptimizerStateDict {
  const state: OptimizerStateDict['state'] = json.state.map((e) => (e ? { step: e.step, tensors: {} as Record<string, HostTensor> } : null));
  for (const [key, t] of tensors) {
    const m = /^state\.(\d+)\.(.+)$/.exec(key);
    const entry = m ? state[Number(m[1])] : undefined;
    if (!m || !entry) throw new Error(`${source}: optimizer tensor '${key}' does not match a parameter with state in optimizer.json`);
    entry.tensors[m[2]!] = t;
  }
  return { state, groups: json.groups };
}
