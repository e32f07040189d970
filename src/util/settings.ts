/**
 * twinml's process-wide settings, in one place. Set them with `configure({ ... })` (exported from `twinml`);
 * functions that take an options object accept the same settings per call and those win. Environment variables
 * are the documented default source and are read here and nowhere else in `src/`:
 *
 * | setting            | default                                    | environment variable (default source)       |
 * |--------------------|--------------------------------------------|---------------------------------------------|
 * | `python`           | search `.venv`, then `python3`/`python`    | `TWINML_PYTHON`                             |
 * | `requirePython`    | `false` (skip what needs PyTorch)          | `TWINML_REQUIRE_PYTHON=1`                   |
 * | `wasmRelaxedSimd`  | `true` (FMA kernels where the engine has it) | `TWINML_WASM_RELAXED_SIMD=0` turns it off |
 * | `tensorflowOneDnn` | `true`                                     | `TF_ENABLE_ONEDNN_OPTS=0` (TensorFlow's own) |
 * | `nativeLogs`       | `false` (TensorFlow's C++ INFO/WARNING hidden) | none (a `TF_CPP_MIN_LOG_LEVEL` you set wins) |
 * | `parityReport`     | `parity-report.json`                       | `TWINML_PARITY_REPORT`                      |
 * | `parityTable`      | `'all'`                                    | `TWINML_PARITY_TABLE=failures`              |
 *
 * Writes to `process.env` remain only where a native library or dependency can be configured no other way, each
 * documented where it happens: `TF_CPP_MIN_LOG_LEVEL` and `TF_ENABLE_ONEDNN_OPTS` just before tfjs-node loads
 * libtensorflow (src/backend/index.ts), and `PYTHON_BIN` for pythonia, which reads the interpreter only from there
 * (src/bridge/python-bridge.ts).
 */

/** Every setting twinml reads at run time. */
export interface TwinmlSettings {
  /**
   * The Python interpreter with torch for the PyTorch reference (bridge, `twinml parity`, `twinml doctor`).
   * When set it is the only candidate (no silent fallback); unset, twinml searches `.venv` then the PATH.
   */
  python: string | undefined;
  /** Fail instead of skipping when no Python with torch is found (tests and CI). */
  requirePython: boolean;
  /** Let generated wasm kernels use relaxed SIMD (`f32x4.relaxed_madd`). Read when the first kernel compiles. */
  wasmRelaxedSimd: boolean;
  /** TensorFlow's oneDNN kernels on the `tensorflow` backend. Read once, when TensorFlow loads. */
  tensorflowOneDnn: boolean;
  /** Show TensorFlow's C++ INFO and WARNING logging (`--verbose` on the CLI). Read once, when TensorFlow loads. */
  nativeLogs: boolean;
  /** Where the parity suites write their JSON report. */
  parityReport: string;
  /** Which rows the parity suites print as a table: all, or only the failures. */
  parityTable: 'all' | 'failures';
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The defaults, taken from the environment (the documented default source).
 * @param env - The environment to read (default `process.env`).
 */
export function settingsFromEnvironment(env: Environment = process.env): TwinmlSettings {
  const table = env.TWINML_PARITY_TABLE;
  if (table !== undefined && table !== 'all' && table !== 'failures') {
    throw new Error(`TWINML_PARITY_TABLE=${table}: expected "all" or "failures"`);
  }
  return {
    python: env.TWINML_PYTHON || undefined,
    requirePython: env.TWINML_REQUIRE_PYTHON === '1',
    wasmRelaxedSimd: env.TWINML_WASM_RELAXED_SIMD !== '0',
    tensorflowOneDnn: env.TF_ENABLE_ONEDNN_OPTS !== '0',
    nativeLogs: false,
    parityReport: env.TWINML_PARITY_REPORT || 'parity-report.json',
    parityTable: table ?? 'all',
  };
}

let current: TwinmlSettings | undefined;

/** The settings in force: the environment's defaults overlaid with every `configure()` call so far. */
export function settings(): Readonly<TwinmlSettings> {
  current ??= settingsFromEnvironment();
  return current;
}

/**
 * Changes twinml's settings for this process. Only the given keys change; the rest keep their values.
 * Settings documented as "read once" take effect only before that moment (e.g. before the first backend starts).
 * @param changes - The settings to change.
 * @returns The settings now in force.
 * @example configure({ python: '/opt/venv/bin/python', wasmRelaxedSimd: false })
 */
export function configure(changes: Partial<TwinmlSettings>): Readonly<TwinmlSettings> {
  for (const [key, value] of Object.entries(changes)) {
    if (!(key in settings())) throw new Error(`configure(): unknown setting "${key}"; known: ${Object.keys(settings()).join(', ')}`);
    if (key === 'parityTable' && value !== 'all' && value !== 'failures') throw new Error(`configure(): parityTable must be "all" or "failures", got ${String(value)}`);
  }
  current = { ...settings(), ...changes };
  return current;
}

/** Drops every `configure()` change and reads the environment again (for tests). */
export function resetSettings(): void {
  current = undefined;
}
