/**
 * The command line prints only what twinml writes: TensorFlow's native log lines (absl's preamble, the oneDNN and
 * CPU-feature notices) are filtered out of `train` and `serve` unless `--verbose`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNativeLogLine } from '../../src/cli/native-log-filter.js';
import { probeBackends } from '../../src/backend/index.js';
import { runCli, TWINML_BIN } from '../helpers/cli.js';

/** A line no twinml code writes: absl-format logging, or a mention of TensorFlow's own notices. */
const FOREIGN = /^(WARNING: All log messages before absl|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ )|oneDNN custom operations|cpu_feature_guard/;

const tensorflow = (await probeBackends()).find((b) => b.name === 'tensorflow');
if (!tensorflow?.available) console.warn(`test/cli/clean-output.test.ts (train on tensorflow): skipped, the tensorflow backend is not available (${tensorflow?.fix})`);

describe('clean command-line output', () => {
  it('recognises absl/TensorFlow log lines and nothing twinml writes', () => {
    expect(isNativeLogLine('WARNING: All log messages before absl::InitializeLog() is called are written to STDERR')).toBe(true);
    expect(isNativeLogLine('I0000 00:00:1796455687.278217   31691 port.cc:153] oneDNN custom operations are on.')).toBe(true);
    expect(isNativeLogLine('W0000 00:00:1796455687.278217   31691 cpu_feature_guard.cc:227] x')).toBe(true);
    expect(isNativeLogLine('E0000 00:00:1796455687.278217   31691 op.cc:1] a real error')).toBe(false);
    expect(isNativeLogLine('epoch 1/1 batch 1/125 step 1 loss 2.284 acc 7.8%')).toBe(false);
    expect(isNativeLogLine('twinml: I0000 is not a prefix here')).toBe(false);
  });

  it.skipIf(!tensorflow?.available)('`train --backend tensorflow` prints no line twinml did not write (and --verbose shows them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinml-clean-'));
    try {
      const args = ['train', '--model', 'mlp', '--dataset', 'mnist', '--backend', 'tensorflow', '--epochs', '1', '--hidden', '16', '--no-report', '--no-export', '--log-format', 'plain'];
      const quiet = runCli([...args, '--out', join(dir, 'quiet')], { env: { TF_CPP_MIN_LOG_LEVEL: undefined } });
      expect(quiet.code, quiet.stderr).toBe(0);
      const lines = `${quiet.stdout}\n${quiet.stderr}`.split('\n').filter((l) => l.trim());
      expect(lines.some((l) => l.startsWith('run completed'))).toBe(true);
      expect(lines.filter((l) => FOREIGN.test(l))).toEqual([]);
      const verbose = runCli([...args, '--out', join(dir, 'verbose'), '--verbose'], { env: { TF_CPP_MIN_LOG_LEVEL: undefined } });
      expect(verbose.code, verbose.stderr).toBe(0);
      expect(verbose.stderr).toMatch(FOREIGN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`serve` prints only its own lines and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [TWINML_BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 60_000;
    while (!/listening|http:\/\//i.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(out).toMatch(/listening|http:\/\//i);
    expect(code).toBe(0);
    expect(out.split('\n').filter((l) => FOREIGN.test(l))).toEqual([]);
  });
});
