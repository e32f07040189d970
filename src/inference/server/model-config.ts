/**
 * Per-model configuration: `<repository>/<name>/config.json` or `config.yaml` beside the version folders, with
 * Triton's model_config field names where they overlap (max_batch_size, dynamic_batching, instance_group,
 * parameters, version_policy, input/output) plus a `twinml` section. Every field is optional; what is not given is
 * derived from the ONNX file and the server's options. Served back in Triton's JSON shape (tritonConfigJson).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { oipFromDtype } from '../dtypes.js';
import type { TensorSpec } from '../types.js';

/** Which versions of a model are served. */
export type VersionPolicy = { kind: 'all' } | { kind: 'latest'; count: number } | { kind: 'specific'; versions: string[] };

/** A model's configuration as the server uses it (file values over server defaults). */
export interface ResolvedModelConfig {
  /** The file it came from, or null when the model has none. */
  file: string | null;
  /** Triton's max_batch_size when the file sets it (else derived from the ONNX file). */
  maxBatchSize?: number;
  /** Dynamic batching; undefined in a file without `dynamic_batching` (requests then run one by one). */
  dynamicBatching?: { preferredBatchSizes: number[]; maxQueueDelayMs: number };
  /** Sessions (worker threads) per version: instance_group[*].count summed. */
  instanceCount?: number;
  /** onnxruntime intra-op threads: parameters.intra_op_thread_count. */
  intraOpThreads?: number;
  versionPolicy: VersionPolicy;
  /** twinml.refuse_non_finite_inputs: refuse NaN/±Infinity in float inputs (default false: passed through, as Triton). */
  refuseNonFinite: boolean;
  /** Declared inputs/outputs ({name, data_type}) to check against the ONNX file. */
  declared: Array<{ kind: 'input' | 'output'; name: string; dataType?: string }>;
  /** parameters as given (string_value maps), echoed in the served config. */
  parameters: Record<string, { string_value: string }>;
}

/** Server-wide defaults a model's file may override. */
export interface ConfigDefaults {
  maxBatchSize: number;
  maxQueueDelayMs: number;
  workers: number;
  intraOpThreads?: number;
}

const FILES = ['config.json', 'config.yaml', 'config.yml'];
const TOP_LEVEL = new Set(['name', 'platform', 'backend', 'max_batch_size', 'input', 'output', 'dynamic_batching', 'instance_group', 'parameters', 'version_policy', 'default_model_filename', 'twinml']);

class ConfigError extends Error {}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a protobuf-JSON int64 (a number or a decimal string). */
function int(file: string, field: string, v: unknown, min: number): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new ConfigError(`${file}: ${field} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function obj(file: string, field: string, v: unknown): Obj {
  if (!isObject(v)) throw new ConfigError(`${file}: ${field} must be an object, got ${JSON.stringify(v)}`);
  return v;
}

function arr(file: string, field: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new ConfigError(`${file}: ${field} must be a list, got ${JSON.stringify(v)}`);
  return v;
}

function versionPolicyOf(file: string, v: unknown): VersionPolicy {
  if (v === undefined) return { kind: 'all' };
  const p = obj(file, 'version_policy', v);
  const keys = Object.keys(p);
  if (keys.length !== 1) throw new ConfigError(`${file}: version_policy must have exactly one of latest, all, specific; got ${JSON.stringify(keys)}`);
  if ('all' in p) return { kind: 'all' };
  if ('latest' in p) return { kind: 'latest', count: int(file, 'version_policy.latest.num_versions', obj(file, 'version_policy.latest', p.latest).num_versions, 1) };
  if ('specific' in p) {
    const versions = arr(file, 'version_policy.specific.versions', obj(file, 'version_policy.specific', p.specific).versions);
    return { kind: 'specific', versions: versions.map((x, i) => String(int(file, `version_policy.specific.versions[${i}]`, x, 0))) };
  }
  throw new ConfigError(`${file}: version_policy must be one of latest, all, specific; got ${JSON.stringify(keys[0])}`);
}

/** The config file of a model folder, or null. */
export function configFileOf(modelDir: string): string | null {
  for (const f of FILES) {
    const path = join(modelDir, f);
    if (existsSync(path)) return path;
  }
  return null;
}

/** A fingerprint of the config file (path, size, mtime) so polling notices edits. */
export function configSignature(modelDir: string): string {
  const file = configFileOf(modelDir);
  if (!file) return 'none';
  const s = statSync(file);
  return `${file}:${s.size}:${s.mtimeMs}`;
}

/**
 * Reads and checks a model's configuration file.
 * @param modelDir - `<repository>/<name>`.
 * @param name - The model name (a `name` in the file must equal it).
 * @throws Error naming the file, the field and the value.
 */
export function readModelConfig(modelDir: string, name: string): ResolvedModelConfig {
  const file = configFileOf(modelDir);
  const none: ResolvedModelConfig = { file: null, versionPolicy: { kind: 'all' }, refuseNonFinite: false, declared: [], parameters: {} };
  if (!file) return none;
  let raw: unknown;
  const text = readFileSync(file, 'utf8');
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  try {
    return resolve(file, raw ?? {}, name);
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(e.message);
    throw e;
  }
}

function resolve(file: string, raw: unknown, name: string): ResolvedModelConfig {
  const c = obj(file, 'the configuration', raw);
  for (const key of Object.keys(c)) {
    if (!TOP_LEVEL.has(key)) throw new ConfigError(`${file}: unknown field "${key}" (known: ${[...TOP_LEVEL].join(', ')})`);
  }
  if (c.name !== undefined && c.name !== name) throw new ConfigError(`${file}: name ${JSON.stringify(c.name)} must be the folder name "${name}"`);
  if (c.platform !== undefined && c.platform !== 'onnxruntime_onnx') throw new ConfigError(`${file}: platform must be "onnxruntime_onnx", got ${JSON.stringify(c.platform)}`);
  if (c.backend !== undefined && c.backend !== 'onnxruntime') throw new ConfigError(`${file}: backend must be "onnxruntime", got ${JSON.stringify(c.backend)}`);
  if (c.default_model_filename !== undefined && c.default_model_filename !== 'model.onnx') {
    throw new ConfigError(`${file}: default_model_filename must be "model.onnx", got ${JSON.stringify(c.default_model_filename)}`);
  }
  const out: ResolvedModelConfig = { file, versionPolicy: versionPolicyOf(file, c.version_policy), refuseNonFinite: false, declared: [], parameters: {} };
  if (c.max_batch_size !== undefined) out.maxBatchSize = int(file, 'max_batch_size', c.max_batch_size, 0);
  if (c.dynamic_batching !== undefined) {
    const d = obj(file, 'dynamic_batching', c.dynamic_batching);
    const preferred = d.preferred_batch_size === undefined ? [] : arr(file, 'dynamic_batching.preferred_batch_size', d.preferred_batch_size);
    const sizes = preferred.map((x, i) => int(file, `dynamic_batching.preferred_batch_size[${i}]`, x, 1));
    const delayUs = d.max_queue_delay_microseconds === undefined ? undefined : int(file, 'dynamic_batching.max_queue_delay_microseconds', d.max_queue_delay_microseconds, 0);
    out.dynamicBatching = { preferredBatchSizes: sizes.sort((a, b) => a - b), maxQueueDelayMs: delayUs === undefined ? NaN : delayUs / 1000 };
  }
  if (c.instance_group !== undefined) {
    const groups = arr(file, 'instance_group', c.instance_group);
    let count = 0;
    groups.forEach((g, i) => {
      const group = obj(file, `instance_group[${i}]`, g);
      if (group.kind !== undefined && group.kind !== 'KIND_CPU' && group.kind !== 'KIND_AUTO') {
        throw new ConfigError(`${file}: instance_group[${i}].kind must be KIND_CPU or KIND_AUTO (this server runs on the CPU), got ${JSON.stringify(group.kind)}`);
      }
      count += group.count === undefined ? 1 : int(file, `instance_group[${i}].count`, group.count, 1);
    });
    if (groups.length > 0) out.instanceCount = count;
  }
  if (c.parameters !== undefined) {
    for (const [key, value] of Object.entries(obj(file, 'parameters', c.parameters))) {
      const sv = obj(file, `parameters.${key}`, value).string_value;
      if (typeof sv !== 'string') throw new ConfigError(`${file}: parameters.${key}.string_value must be a string, got ${JSON.stringify(sv)}`);
      out.parameters[key] = { string_value: sv };
      if (key === 'intra_op_thread_count') {
        const n = int(file, 'parameters.intra_op_thread_count.string_value', sv, 0);
        if (n > 0) out.intraOpThreads = n;
      }
    }
  }
  if (c.twinml !== undefined) {
    const t = obj(file, 'twinml', c.twinml);
    for (const [key, value] of Object.entries(t)) {
      if (key !== 'refuse_non_finite_inputs') throw new ConfigError(`${file}: unknown field "twinml.${key}" (known: refuse_non_finite_inputs)`);
      if (typeof value !== 'boolean') throw new ConfigError(`${file}: twinml.refuse_non_finite_inputs must be true or false, got ${JSON.stringify(value)}`);
      out.refuseNonFinite = value;
    }
  }
  for (const kind of ['input', 'output'] as const) {
    if (c[kind] === undefined) continue;
    arr(file, kind, c[kind]).forEach((e, i) => {
      const entry = obj(file, `${kind}[${i}]`, e);
      if (typeof entry.name !== 'string') throw new ConfigError(`${file}: ${kind}[${i}].name must be a string`);
      if (entry.data_type !== undefined && typeof entry.data_type !== 'string') throw new ConfigError(`${file}: ${kind}[${i}].data_type must be a string like "TYPE_FP32"`);
      out.declared.push({ kind, name: entry.name, dataType: entry.data_type as string | undefined });
    });
  }
  return out;
}

/** Triton's data_type name of a tensor spec (TYPE_FP32, TYPE_INT64, ...). */
export function tritonDataType(spec: TensorSpec): string {
  return `TYPE_${oipFromDtype(spec.dtype)}`;
}

/** Whether every input and output has a dynamic leading axis (the batch axis). */
export function hasBatchAxis(inputs: TensorSpec[], outputs: TensorSpec[]): boolean {
  const dynamicFirst = (s: TensorSpec) => s.shape.length > 0 && typeof s.shape[0] !== 'number';
  return inputs.every(dynamicFirst) && outputs.every(dynamicFirst);
}

/**
 * Checks declared inputs/outputs against the ONNX file.
 * @throws Error naming the config file, the tensor and what differs.
 */
export function checkDeclared(config: ResolvedModelConfig, inputs: TensorSpec[], outputs: TensorSpec[]): void {
  for (const d of config.declared) {
    const specs = d.kind === 'input' ? inputs : outputs;
    const spec = specs.find((s) => s.name === d.name);
    if (!spec) throw new Error(`${config.file}: ${d.kind} "${d.name}" is not in the ONNX file (its ${d.kind}s: ${specs.map((s) => s.name).join(', ')})`);
    if (d.dataType !== undefined && d.dataType !== tritonDataType(spec)) {
      throw new Error(`${config.file}: ${d.kind} "${d.name}" has data_type ${d.dataType} but the ONNX file says ${tritonDataType(spec)}`);
    }
  }
}

/** What a model version actually runs with: the file's values over the server defaults. */
export interface EffectiveSettings {
  /** Triton max_batch_size (0 = the model has no batch axis). */
  maxBatchSize: number;
  /** Rows per batch for the dynamic batcher (1 = no dynamic batching). */
  batcherMaxBatchSize: number;
  maxQueueDelayMs: number;
  preferredBatchSizes: number[];
  workers: number;
  intraOpThreads?: number;
}

/**
 * Combines a model's configuration with the server defaults and its ONNX signature.
 * @param config - From readModelConfig.
 * @param defaults - Server options.
 * @param batchAxis - hasBatchAxis(inputs, outputs) of the ONNX file.
 */
export function effectiveSettings(config: ResolvedModelConfig, defaults: ConfigDefaults, batchAxis: boolean): EffectiveSettings {
  const maxBatchSize = config.maxBatchSize ?? (batchAxis ? defaults.maxBatchSize : 0);
  if (maxBatchSize > 0 && !batchAxis) {
    throw new Error(`${config.file}: max_batch_size ${maxBatchSize} needs a dynamic first axis on every input and output; this ONNX file has fixed ones (use max_batch_size: 0)`);
  }
  const dynamic = config.file === null ? { preferredBatchSizes: [], maxQueueDelayMs: defaults.maxQueueDelayMs } : config.dynamicBatching;
  return {
    maxBatchSize,
    batcherMaxBatchSize: dynamic && maxBatchSize > 1 ? maxBatchSize : 1,
    maxQueueDelayMs: dynamic && Number.isFinite(dynamic.maxQueueDelayMs) ? dynamic.maxQueueDelayMs : defaults.maxQueueDelayMs,
    preferredBatchSizes: dynamic?.preferredBatchSizes.filter((s) => s <= maxBatchSize) ?? [],
    workers: config.instanceCount ?? defaults.workers,
    intraOpThreads: config.intraOpThreads ?? defaults.intraOpThreads,
  };
}

/**
 * The model configuration in Triton's JSON shape (GET /v2/models/{name}/config, gRPC ModelConfig).
 * @param name - Model name.
 * @param config - The resolved configuration.
 * @param settings - The effective settings.
 * @param inputs - The ONNX inputs.
 * @param outputs - The ONNX outputs.
 */
export function tritonConfigJson(name: string, config: ResolvedModelConfig, settings: EffectiveSettings, inputs: TensorSpec[], outputs: TensorSpec[]): Record<string, unknown> {
  const dims = (s: TensorSpec) => (settings.maxBatchSize > 0 ? s.shape.slice(1) : s.shape).map((d) => (typeof d === 'number' ? d : -1));
  const policy = config.versionPolicy;
  return {
    name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    version_policy:
      policy.kind === 'all' ? { all: {} } : policy.kind === 'latest' ? { latest: { num_versions: policy.count } } : { specific: { versions: policy.versions.map(Number) } },
    max_batch_size: settings.maxBatchSize,
    input: inputs.map((s) => ({ name: s.name, data_type: tritonDataType(s), format: 'FORMAT_NONE', dims: dims(s) })),
    output: outputs.map((s) => ({ name: s.name, data_type: tritonDataType(s), dims: dims(s) })),
    ...(settings.batcherMaxBatchSize > 1
      ? { dynamic_batching: { preferred_batch_size: settings.preferredBatchSizes, max_queue_delay_microseconds: Math.round(settings.maxQueueDelayMs * 1000) } }
      : {}),
    instance_group: [{ name, kind: 'KIND_CPU', count: settings.workers }],
    default_model_filename: 'model.onnx',
    parameters: {
      ...config.parameters,
      ...(settings.intraOpThreads !== undefined ? { intra_op_thread_count: { string_value: String(settings.intraOpThreads) } } : {}),
    },
    twinml: { refuse_non_finite_inputs: config.refuseNonFinite },
  };
}
