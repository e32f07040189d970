/** `twinml doctor` on this machine: exits 0 when training and inference work, names the Python interpreter. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('twinml doctor', () => {
  it('reports backends, onnxruntime and Python as JSON, and says what is wrong with a bad TWINML_PYTHON', () => {
    const r = runCli(['doctor', '--json'], { env: { TWINML_PYTHON: '/bin/false' } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.backends.map((b: { name: string }) => b.name)).toEqual(['torch', 'tensorflow', 'wasm', 'cpu']);
    expect(report.backends.find((b: { name: string }) => b.name === 'wasm').available).toBe(true);
    expect(['torch', 'tensorflow', 'wasm']).toContain(report.auto);
    for (const b of report.backends) if (!b.available) expect(b.fix).toBeTruthy();
    expect(report.onnxruntime.available).toBe(true);
    expect(report.onnxruntime.executionProviders).toContain('cpu');
    expect(report.python.probes[0]).toMatchObject({ candidate: '/bin/false', source: 'TWINML_PYTHON' });
    expect(report.python.probes[0].problem).toMatch(/does not run/);
  });

  it('names the interpreter with torch (or, without one, the command that fixes it)', () => {
    const r = runCli(['doctor']);
    expect(r.code, r.stderr).toBe(0);
    const found = /ok\s+(\S+) \(from (TWINML_PYTHON|\.venv|PATH)\), Python [\d.]+\n\s+torch \d+\.\d+/.exec(r.stdout);
    if (!found) {
      if (process.env.TWINML_REQUIRE_PYTHON === '1') throw new Error(`TWINML_REQUIRE_PYTHON=1 but doctor found no Python with torch:\n${r.stdout}`);
      expect(r.stdout).toContain('npm run setup');
    }
  });
});
