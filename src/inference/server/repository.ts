/**
 * The model repository: `<root>/<name>/<version>/model.onnx` (+ model.json), scanned and loaded once at start.
 * Requests look models up in memory by name and version; no client string is ever joined into a file path.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelCard } from '../../util/model-card.js';
import { loadOnnxModel, type OnnxInferenceModel } from '../model.js';
import type { LoadModelOptions } from '../types.js';

/** Names and versions: letters, digits, `_`, `-`, `.`; not starting with `.`; at most 128 characters. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Why a model name or version from a request is not acceptable, or null when it is. */
export function unsafeNameReason(kind: 'model name' | 'version', value: string): string | null {
  if (value.includes('..') || value.includes('/') || value.includes('\\')) return `${kind} ${JSON.stringify(value.slice(0, 64))} must not contain "..", "/" or "\\"`;
  if (!SAFE_NAME.test(value)) return `${kind} ${JSON.stringify(value.slice(0, 64))} may only use letters, digits, "_", "-" and "." (1-128 characters)`;
  return null;
}

export interface RepositoryModel {
  name: string;
  version: string;
  model: OnnxInferenceModel;
  card: ModelCard | null;
}

/** Sorts versions numerically when they are numbers, else as text; the last is the default version. */
function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class ModelRepository {
  private readonly byName = new Map<string, RepositoryModel[]>();

  private constructor(readonly root: string) {}

  /**
   * Scans `root` and loads every `<name>/<version>/model.onnx`.
   * @param root - The repository folder.
   * @param options - Passed to each loadModel (workers, intraOpThreads, executionProviders).
   */
  static async load(root: string, options: LoadModelOptions = {}): Promise<ModelRepository> {
    const dir = resolve(root);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new Error(`model repository ${dir} is not a folder (expected <name>/<version>/model.onnx inside)`);
    }
    const repo = new ModelRepository(dir);
    const loads: Array<Promise<void>> = [];
    for (const name of readdirSync(dir).sort()) {
      const nameDir = join(dir, name);
      if (!statSync(nameDir).isDirectory() || unsafeNameReason('model name', name)) continue;
      for (const version of readdirSync(nameDir)) {
        const versionDir = join(nameDir, version);
        if (unsafeNameReason('version', version) || !existsSync(join(versionDir, 'model.onnx'))) continue;
        loads.push(
          loadOnnxModel(versionDir, { ...options, feed: { allowNonFinite: false, addBatchAxis: false } }).then((model) => {
            const list = repo.byName.get(name) ?? [];
            list.push({ name, version, model, card: model.card });
            list.sort((a, b) => compareVersions(a.version, b.version));
            repo.byName.set(name, list);
          }),
        );
      }
    }
    const results = await Promise.allSettled(loads);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await repo.close();
      throw failed.reason;
    }
    return repo;
  }

  /** Model names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Versions of a model, oldest first (empty when unknown). */
  versions(name: string): string[] {
    return (this.byName.get(name) ?? []).map((m) => m.version);
  }

  /**
   * Finds a model version; the newest when `version` is omitted.
   * @param name - Model name.
   * @param version - Version, or undefined for the newest.
   */
  get(name: string, version?: string): RepositoryModel | undefined {
    const list = this.byName.get(name);
    if (!list) return undefined;
    return version === undefined ? list[list.length - 1] : list.find((m) => m.version === version);
  }

  all(): RepositoryModel[] {
    return [...this.byName.values()].flat();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((m) => m.model.close()));
  }
}
