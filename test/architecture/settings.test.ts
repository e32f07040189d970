/**
 * Settings in one place: src/ reads environment variables only in src/util/settings.ts. Outside it, `process.env`
 * appears only as a child process's inherited environment (`...process.env`) or as one of the documented writes a
 * native library or dependency needs (TensorFlow's two variables before libtensorflow loads, pythonia's PYTHON_BIN).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { configure, resetSettings, settings, settingsFromEnvironment } from '../../src/util/settings.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SETTINGS_MODULE = 'src/util/settings.ts';
/** file -> the process.env writes it may make (each documented in src/util/settings.ts). */
const DOCUMENTED_WRITES: Record<string, RegExp[]> = {
  'src/backend/index.ts': [/process\.env\.TF_CPP_MIN_LOG_LEVEL \?\?= /, /process\.env\.TF_ENABLE_ONEDNN_OPTS = /],
  'src/bridge/python-bridge.ts': [/process\.env\.PYTHON_BIN = /],
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every use of process.env in `text` that is neither a `...process.env` spread nor a documented write. */
function envUses(file: string, text: string): string[] {
  const allowed = DOCUMENTED_WRITES[file] ?? [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/(\.\.\.)?process\.env\b/g)) {
      if (m[1]) continue;
      const rest = line.slice(m.index);
      if (allowed.some((re) => re.test(rest))) continue;
      problems.push(`${file}:${i + 1}: ${line.trim()}`);
    }
  });
  return problems;
}

describe('settings in one place', () => {
  afterEach(() => resetSettings());

  it(`src/ reads process.env only in ${SETTINGS_MODULE}`, () => {
    const problems = tsFiles(join(root, 'src'))
      .map((f) => relative(root, f))
      .filter((f) => f !== SETTINGS_MODULE && !f.endsWith('.test.ts'))
      .flatMap((f) => envUses(f, readFileSync(join(root, f), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('flags a read, allows a spread into a child environment and a documented write (not vacuous)', () => {
    expect(envUses('src/x.ts', "if (process.env.TWINML_FOO === '1') go();")).toHaveLength(1);
    expect(envUses('src/x.ts', 'spawn(cmd, { env: { ...process.env, A: "1" } });')).toEqual([]);
    expect(envUses('src/bridge/python-bridge.ts', '    process.env.PYTHON_BIN = executable;')).toEqual([]);
    expect(envUses('src/x.ts', '    process.env.PYTHON_BIN = executable;')).toHaveLength(1);
  });

  it('takes its defaults from the environment and configure() overrides them', () => {
    const env = settingsFromEnvironment({ TWINML_PYTHON: '/opt/py', TWINML_REQUIRE_PYTHON: '1', TWINML_WASM_RELAXED_SIMD: '0', TF_ENABLE_ONEDNN_OPTS: '0', TWINML_PARITY_TABLE: 'failures' });
    expect(env).toMatchObject({ python: '/opt/py', requirePython: true, wasmRelaxedSimd: false, tensorflowOneDnn: false, parityTable: 'failures', parityReport: 'parity-report.json' });
    expect(settingsFromEnvironment({})).toMatchObject({ python: undefined, requirePython: false, wasmRelaxedSimd: true, tensorflowOneDnn: true, nativeLogs: false, parityTable: 'all' });
    configure({ python: '/x/python', nativeLogs: true });
    expect(settings()).toMatchObject({ python: '/x/python', nativeLogs: true });
    expect(() => configure({ pyhton: 'x' } as never)).toThrow(/unknown setting "pyhton"/);
    expect(() => settingsFromEnvironment({ TWINML_PARITY_TABLE: 'some' })).toThrow(/TWINML_PARITY_TABLE=some/);
  });
});
