/**
 * The model repository: `<root>/<name>/[config.json|config.yaml]` and `<root>/<name>/<version>/model.onnx`
 * (+ model.json). Loaded at start, and under model control (Triton's modes) reloaded while serving:
 * - `none`: everything is loaded once at start; load/unload requests are refused.
 * - `explicit`: the models named at start are loaded (all with `*`); load/unload requests change the set.
 * - `poll`: the folder is re-read every poll interval; new and changed versions load, removed ones unload.
 * A version being replaced or removed leaves the lookup at once and closes when its in-flight requests finish.
 * A version that fails to load leaves the others serving and is listed UNAVAILABLE with its reason in the index.
 * Requests look models up in memory by name and version; no client string is ever joined into a file path.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DECODER_WITH_PAST_FILE, loadLanguageModel } from '../generation.js';
import { loadOnnxModel } from '../model.js';
import type { LoadModelOptions } from '../types.js';
import type { BatchObserver } from './batcher.js';
import { checkDeclared, configSignature, effectiveSettings, hasBatchAxis, readModelConfig, type ConfigDefaults, type ResolvedModelConfig, type VersionPolicy } from './model-config.js';
import { ServedVersion } from './served-version.js';

/** Names and versions: letters, digits, `_`, `-`, `.`; not starting with `.`; at most 128 characters. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Why a model name or version from a request is not acceptable, or null when it is. */
export function unsafeNameReason(kind: 'model name' | 'version', value: string): string | null {
  if (value.includes('..') || value.includes('/') || value.includes('\\')) return `${kind} ${JSON.stringify(value.slice(0, 64))} must not contain "..", "/" or "\\"`;
  if (!SAFE_NAME.test(value)) return `${kind} ${JSON.stringify(value.slice(0, 64))} may only use letters, digits, "_", "-" and "." (1-128 characters)`;
  return null;
}

/** Triton's model control modes. */
export type ModelControlMode = 'none' | 'poll' | 'explicit';

/** An error of a repository control request, with the kind of failure (mapped to HTTP and gRPC codes). */
export class RepositoryError extends Error {
  constructor(
    readonly kind: 'not-found' | 'not-allowed' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/** One row of the repository index (Triton's shape). */
export interface IndexEntry {
  name: string;
  version: string;
  state: 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';
  reason: string;
}

export interface RepositoryOptions {
  /** The repository folder. */
  root: string;
  /** Session options for every model (execution providers). */
  session?: LoadModelOptions;
  /** Server defaults a model's config file may override. */
  defaults: ConfigDefaults;
  /** Model control mode (default none). */
  controlMode?: ModelControlMode;
  /** Models loaded at start in explicit mode (`*` = all; default none, as Triton). */
  loadModels?: string[];
  /** Stop start-up when a model fails to load (default true, as Triton). */
  exitOnError?: boolean;
  /** Receives batch sizes and queue times of every version (Prometheus). */
  metricsFor?: (name: string, version: string) => BatchObserver;
}

interface FailedVersion {
  signature: string;
  reason: string;
}

interface ModelState {
  /** Loaded versions, oldest first. */
  versions: ServedVersion[];
  failed: Map<string, FailedVersion>;
  /** Why the whole model is unavailable (config error, unloaded), when it is. */
  reason: string;
}

/** Sorts versions numerically when they are numbers, else as text; the last is the default version. */
function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function applyPolicy(policy: VersionPolicy, versions: string[]): string[] {
  const sorted = [...versions].sort(compareVersions);
  if (policy.kind === 'all') return sorted;
  if (policy.kind === 'latest') return sorted.slice(-policy.count);
  return sorted.filter((v) => policy.versions.includes(v));
}

export class ModelRepository {
  readonly root: string;
  readonly controlMode: ModelControlMode;
  private readonly models = new Map<string, ModelState>();
  private readonly draining = new Set<Promise<void>>();
  /** Control operations run one at a time (poll, load, unload). */
  private chain: Promise<unknown> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | undefined;
  private closing = false;

  private constructor(private readonly options: RepositoryOptions) {
    this.root = resolve(options.root);
    this.controlMode = options.controlMode ?? 'none';
  }

  /**
   * Scans the repository and loads its models as the control mode says.
   * @param options - Folder, defaults, control mode, exit-on-error.
   * @throws Error naming the model file and the reason when a model fails and exitOnError is true.
   */
  static async open(options: RepositoryOptions): Promise<ModelRepository> {
    const repo = new ModelRepository(options);
    if (!existsSync(repo.root) || !statSync(repo.root).isDirectory()) {
      throw new Error(`model repository ${repo.root} is not a folder (expected <name>/<version>/model.onnx inside)`);
    }
    let names = repo.namesOnDisk();
    if (repo.controlMode === 'explicit') {
      const wanted = options.loadModels ?? [];
      if (!wanted.includes('*')) {
        const missing = wanted.filter((n) => !names.includes(n));
        if (missing.length > 0) throw new Error(`--load-model ${missing.join(', ')}: no such model folder in ${repo.root} (models: ${names.join(', ') || 'none'})`);
        names = wanted;
      }
    }
    const failures = (await Promise.all(names.map((n) => repo.reconcile(n)))).flat();
    if (failures.length > 0 && options.exitOnError !== false) {
      await repo.close();
      throw new Error(`a model failed to load (serve the others with --exit-on-error=false):\n  ${failures.join('\n  ')}`);
    }
    return repo;
  }

  /** Starts re-reading the folder every `seconds` (poll mode). */
  startPolling(seconds: number): void {
    if (this.controlMode !== 'poll' || this.pollTimer) return;
    const tick = () => {
      this.pollTimer = setTimeout(() => {
        void this.poll().finally(() => {
          if (!this.closing) tick();
        });
      }, seconds * 1000);
      this.pollTimer.unref();
    };
    tick();
  }

  /** Re-reads the whole repository once (what each poll does). */
  poll(): Promise<void> {
    return this.serialize(async () => {
      const onDisk = this.namesOnDisk();
      const names = [...new Set([...onDisk, ...this.models.keys()])];
      await Promise.all(names.map((n) => this.reconcile(n)));
    });
  }

  /**
   * Loads (or reloads) a model: every version its version policy selects (explicit mode).
   * @param name - Model folder name.
   * @throws RepositoryError when not allowed, unknown, or when no version could be loaded.
   */
  load(name: string): Promise<void> {
    if (this.controlMode !== 'explicit') {
      return Promise.reject(new RepositoryError('not-allowed', `explicit model load / unload is not allowed in model control mode "${this.controlMode}" (start with --model-control-mode explicit)`));
    }
    return this.serialize(async () => {
      if (!this.namesOnDisk().includes(name)) throw new RepositoryError('not-found', `failed to load "${name}": no model folder "${name}" in the repository`);
      const failures = await this.reconcile(name);
      if (failures.length > 0) throw new RepositoryError('failed', `failed to load "${name}": ${failures.join('; ')}`);
      if (!this.get(name)) throw new RepositoryError('failed', `failed to load "${name}": ${this.models.get(name)?.reason || 'no version folder with a model.onnx'}`);
    });
  }

  /**
   * Unloads every version of a model; requests already running on it finish first (explicit mode).
   * @param name - Model name.
   */
  unload(name: string): Promise<void> {
    if (this.controlMode !== 'explicit') {
      return Promise.reject(new RepositoryError('not-allowed', `explicit model load / unload is not allowed in model control mode "${this.controlMode}" (start with --model-control-mode explicit)`));
    }
    return this.serialize(async () => {
      const state = this.models.get(name);
      if (!state && !this.namesOnDisk().includes(name)) throw new RepositoryError('not-found', `failed to unload "${name}": no model "${name}"`);
      const versions = state?.versions ?? [];
      this.models.set(name, { versions: [], failed: new Map(), reason: 'unloaded' });
      await Promise.all(versions.map((v) => this.retire(v)));
    });
  }

  /** Model names with at least one loaded version, sorted. */
  names(): string[] {
    return [...this.models.entries()].filter(([, s]) => s.versions.length > 0).map(([n]) => n).sort();
  }

  /** Loaded versions of a model, oldest first (empty when none). */
  versions(name: string): string[] {
    return (this.models.get(name)?.versions ?? []).map((m) => m.version);
  }

  /**
   * Finds a loaded model version; the newest when `version` is omitted.
   * @param name - Model name.
   * @param version - Version, or undefined for the newest.
   */
  get(name: string, version?: string): ServedVersion | undefined {
    const list = this.models.get(name)?.versions;
    if (!list || list.length === 0) return undefined;
    return version === undefined ? list[list.length - 1] : list.find((m) => m.version === version);
  }

  /**
   * Why a model (version) is not served, when the repository knows: a failed load, a config error, unloaded.
   * @param name - Model name.
   * @param version - Version, when the request named one.
   */
  unavailableReason(name: string, version?: string): string | undefined {
    const state = this.models.get(name);
    if (!state) return undefined;
    if (version !== undefined && state.failed.has(version)) return state.failed.get(version)!.reason;
    if (state.versions.length === 0) return state.reason || [...state.failed.values()].map((f) => f.reason).join('; ') || undefined;
    return undefined;
  }

  /** Every loaded version. */
  all(): ServedVersion[] {
    return [...this.models.values()].flatMap((s) => s.versions);
  }

  /**
   * The repository index (Triton's shape): every model on disk or known, each loaded or failed version.
   * @param readyOnly - Only READY versions.
   */
  index(readyOnly = false): IndexEntry[] {
    const out: IndexEntry[] = [];
    const names = [...new Set([...this.namesOnDisk(), ...this.models.keys()])].sort();
    for (const name of names) {
      const state = this.models.get(name);
      const rows: IndexEntry[] = (state?.versions ?? []).map((v) => ({ name, version: v.version, state: 'READY', reason: '' }));
      for (const [version, f] of state?.failed ?? []) rows.push({ name, version, state: 'UNAVAILABLE', reason: f.reason });
      if (rows.length === 0) {
        const reason = state?.reason || (state ? 'no version folder with a model.onnx' : `not loaded (model control mode ${this.controlMode})`);
        rows.push({ name, version: '', state: 'UNAVAILABLE', reason });
      }
      rows.sort((a, b) => compareVersions(a.version, b.version));
      out.push(...rows.filter((r) => !readyOnly || r.state === 'READY'));
    }
    return out;
  }

  /** Stops polling, closes every version after its in-flight requests. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    await this.chain.catch(() => undefined);
    const all = this.all();
    this.models.clear();
    await Promise.allSettled([...all.map((v) => v.drainAndClose()), ...this.draining]);
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private namesOnDisk(): string[] {
    try {
      return readdirSync(this.root)
        .filter((n) => !unsafeNameReason('model name', n) && statSync(join(this.root, n)).isDirectory())
        .sort();
    } catch {
      return [];
    }
  }

  /** Version folders with a model.onnx, each with a signature of what would be loaded. */
  private versionsOnDisk(modelDir: string, configSig: string): Map<string, string> {
    const out = new Map<string, string>();
    let entries: string[] = [];
    try {
      entries = readdirSync(modelDir);
    } catch {
      return out;
    }
    for (const version of entries) {
      if (unsafeNameReason('version', version)) continue;
      try {
        const s = statSync(join(modelDir, version, 'model.onnx'));
        if (s.isFile()) out.set(version, `${configSig}|${s.size}:${s.mtimeMs}`);
      } catch {
        // no model.onnx: not a version folder
      }
    }
    return out;
  }

  /**
   * Brings one model in line with its folder: loads new or changed versions its policy selects, unloads the rest.
   * @returns One line per version (or config) that failed, naming the file and the reason.
   */
  private async reconcile(name: string): Promise<string[]> {
    if (this.closing) return [];
    const dir = join(this.root, name);
    const state = this.models.get(name) ?? { versions: [], failed: new Map<string, FailedVersion>(), reason: '' };
    if (!existsSync(dir)) {
      this.models.delete(name);
      await Promise.all(state.versions.map((v) => this.retire(v)));
      return [];
    }
    this.models.set(name, state);
    let config: ResolvedModelConfig;
    let configSig: string;
    try {
      configSig = configSignature(dir);
      config = readModelConfig(dir, name);
    } catch (e) {
      // A broken config leaves loaded versions serving (poll) and is reported in the index.
      state.reason = (e as Error).message;
      return [`model "${name}": ${state.reason}`];
    }
    state.reason = '';
    const onDisk = this.versionsOnDisk(dir, configSig);
    for (const v of [...state.failed.keys()]) if (!onDisk.has(v)) state.failed.delete(v);
    const failures: string[] = [];
    const fresh = new Map<string, ServedVersion>();
    const served = (v: string) => fresh.get(v) ?? state.versions.find((s) => s.version === v);
    let wanted: string[] = [];
    // A version that fails is left out and the policy chosen again, so `latest` falls back to older versions.
    for (let round = 0; round < 4; round++) {
      const candidates = [...onDisk.keys()].filter((v) => state.failed.get(v)?.signature !== onDisk.get(v));
      wanted = applyPolicy(config.versionPolicy, candidates);
      const toLoad = wanted.filter((v) => served(v)?.signature !== onDisk.get(v));
      let failed = false;
      await Promise.all(
        toLoad.map(async (v) => {
          try {
            fresh.set(v, await this.loadVersion(name, v, config, onDisk.get(v)!));
            state.failed.delete(v);
          } catch (e) {
            const reason = (e as Error).message;
            state.failed.set(v, { signature: onDisk.get(v)!, reason });
            failures.push(`model "${name}" version "${v}": ${reason}`);
            failed = true;
          }
        }),
      );
      if (!failed || this.closing) break;
    }
    if (this.closing) {
      await Promise.all([...fresh.values()].map((v) => v.drainAndClose()));
      return failures;
    }
    const next = new Set<ServedVersion>();
    for (const v of wanted) {
      const s = served(v);
      if (s) next.add(s);
    }
    // A version whose new file fails to load keeps serving its previous file.
    for (const s of state.versions) if (state.failed.has(s.version) && onDisk.has(s.version) && !fresh.has(s.version)) next.add(s);
    const retired = [...state.versions, ...fresh.values()].filter((v) => !next.has(v));
    state.versions = [...next].sort((a, b) => compareVersions(a.version, b.version));
    for (const v of retired) void this.retire(v);
    return failures;
  }

  private async loadVersion(name: string, version: string, config: ResolvedModelConfig, signature: string): Promise<ServedVersion> {
    const dir = join(this.root, name, version);
    const session = this.options.session ?? {};
    // Workers and threads come from the config file when it sets them; sessions load with the configured values.
    const probeWorkers = config.instanceCount ?? this.options.defaults.workers;
    const model = await loadOnnxModel(dir, {
      ...session,
      workers: probeWorkers,
      intraOpThreads: config.intraOpThreads ?? this.options.defaults.intraOpThreads,
      feed: { allowNonFinite: !config.refuseNonFinite, addBatchAxis: false },
    });
    try {
      checkDeclared(config, model.inputs, model.outputs);
      const settings = effectiveSettings(config, this.options.defaults, hasBatchAxis(model.inputs, model.outputs));
      const served = new ServedVersion(name, version, model, config, settings, signature, this.options.metricsFor?.(name, version));
      if (existsSync(join(dir, DECODER_WITH_PAST_FILE))) {
        served.languageModel = await loadLanguageModel(dir, { intraOpThreads: config.intraOpThreads ?? this.options.defaults.intraOpThreads, executionProviders: session.executionProviders });
      }
      return served;
    } catch (e) {
      await model.close();
      throw e;
    }
  }

  /** Takes a version out of service: it closes once its in-flight requests have finished. */
  private retire(version: ServedVersion): Promise<void> {
    const done = version.drainAndClose().finally(() => this.draining.delete(done));
    this.draining.add(done);
    return done;
  }
}
