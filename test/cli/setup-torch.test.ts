/**
 * `twinml setup torch` (the torch backend's build from a project that installed twinml): it fails with one message
 * naming the interpreter when it has none with torch, and the package ships what it runs (the build script and the
 * addon's sources, `files` in package.json). The build itself is what `npm run setup:torch` runs in CI.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { packageRoot } from '../../src/util/paths.js';

describe('twinml setup torch', () => {
  it('names an interpreter that does not exist, or cannot import torch, and exits 1', () => {
    const missing = runCli(['setup', 'torch', '--python', '/nonexistent/python']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no Python at /nonexistent/python');
    const noTorch = runCli(['setup', 'torch', '--python', '/bin/false']);
    expect(noTorch.code).toBe(1);
    expect(noTorch.stderr).toContain('/bin/false cannot import torch');
  });

  it('without --python, says no interpreter imports torch when none does (TWINML_PYTHON without torch)', () => {
    const r = runCli(['setup', 'torch'], { env: { TWINML_PYTHON: '/bin/false' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no Python that imports torch was found (tried /bin/false)');
    expect(r.stderr).toContain('--python');
  });

  it("rejects a target it cannot build, listing the ones it can", () => {
    const r = runCli(['setup', 'cuda']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Choices: "torch"/);
  });

  it('the package ships the build script and the addon sources it compiles', () => {
    const files = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { files: string[] }).files;
    expect(files).toContain('scripts/torch-backend/build.sh');
    expect(files).toContain('native/torch-backend/*.cc');
    const script = readFileSync(join(packageRoot(), 'scripts/torch-backend/build.sh'), 'utf8');
    const sources = [...script.matchAll(/\$src_dir\/(\w+\.cc)/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(packageRoot(), 'native/torch-backend', source)), source).toBe(true);
  });
});
