/**
 * docs/architecture.md boundary: src/inference never imports tfjs (directly or through other src folders), imports only
 * src/util from the rest of src, and is the only src folder importing onnxruntime-node.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('src/inference boundaries', () => {
  it('reaches no tfjs and no src folder other than util, transitively', () => {
    const seen = new Set<string>();
    const queue = tsFiles(join(src, 'inference'));
    const problems: string[] = [];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const folder = relative(src, file).split('/')[0];
      if (folder !== 'inference' && folder !== 'util') problems.push(`${relative(root, file)} is outside src/inference and src/util`);
      for (const spec of imports(file)) {
        if (spec.includes('tensorflow') || spec.includes('tfjs')) problems.push(`${relative(root, file)} imports ${spec}`);
        if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      }
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBeGreaterThan(5);
  });

  it('importing the built twinml/inference entry loads onnxruntime-node and no tfjs module', () => {
    const entry = join(root, 'dist', 'inference', 'index.js');
    const script = `
      const { createRequire } = await import('node:module');
      const inference = await import(${JSON.stringify(entry)});
      const model = await inference.loadModel; // touch the export
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ ort: loaded.some((p) => p.includes('onnxruntime-node')), tf: loaded.filter((p) => /tensorflow|tfjs/.test(p)), model: typeof model }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ ort: true, tf: [], model: 'function' });
  });

  it('is the only src folder importing onnxruntime-node', () => {
    const importers = tsFiles(src)
      .filter((f) => imports(f).some((s) => s.startsWith('onnxruntime')))
      .map((f) => relative(src, f).split('/')[0]);
    expect(new Set(importers)).toEqual(new Set(['inference']));
  });
});
