/**
 * A model file in a project whose package.json says "type": "commonjs" (npm init's default) loads through
 * loadTsModel (twinml parity --ts, twinml port, twinml export --ts) as the ES module it is written as. Before, tsx
 * loaded it as CommonJS, so its `import { nn } from 'twinml'` became a require() of twinml while twinml was
 * loading the file, and Node stopped with ERR_REQUIRE_CYCLE_MODULE.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/util/paths.js';

describe('loadTsModel in a CommonJS project', () => {
  it('loads a .ts model importing twinml from a "type": "commonjs" project (the compiled library, as the CLI runs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinml-cjs-project-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cjs-project', version: '1.0.0', type: 'commonjs' }));
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(packageRoot(), join(dir, 'node_modules', 'twinml'), 'dir');
      writeFileSync(
        join(dir, 'net.ts'),
        [
          "import { nn } from 'twinml';",
          'export class Net extends nn.Module {',
          '  fc: nn.Linear;',
          '  constructor() { super(); this.fc = new nn.Linear(3, 2); }',
          '  forward(x: import("twinml").tf.Tensor) { return this.fc.call(x); }',
          '}',
        ].join('\n'),
      );
      const dist = (p: string): string => pathToFileURL(join(packageRoot(), 'dist', p)).href;
      const script = [
        `const { useBackend } = await import(${JSON.stringify(dist('backend/index.js'))});`,
        `const { loadTsModel, parseModelRef } = await import(${JSON.stringify(dist('parity/index.js'))});`,
        "await useBackend('cpu');",
        `const m = await loadTsModel(parseModelRef(${JSON.stringify(join(dir, 'net.ts') + '#Net')}, '#', '--ts'));`,
        'console.log(JSON.stringify(Object.keys(m.stateDict() instanceof Map ? Object.fromEntries(m.stateDict()) : m.stateDict())));',
      ].join('\n');
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      expect(run.stderr).not.toMatch(/ERR_REQUIRE_CYCLE_MODULE|Cannot require\(\) ES Module/);
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual(['fc.weight', 'fc.bias']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
