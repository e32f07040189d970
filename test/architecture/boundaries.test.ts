/**
 * docs/architecture.md "Boundaries": which src folder may import which. (src/inference has its own, transitive test in
 * test/inference/boundaries.test.ts.) A violation names the file and the import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

/** folder -> src folders it must not import. */
const FORBIDDEN: Record<string, string[]> = {
  util: ['backend', 'nn', 'models', 'data', 'train', 'io', 'onnx', 'inference', 'bridge', 'cli'],
  backend: ['nn', 'models', 'data', 'train', 'io', 'onnx', 'inference', 'bridge', 'cli'],
  data: ['backend', 'nn', 'models', 'train', 'io', 'onnx', 'inference', 'bridge', 'cli'],
  io: ['backend', 'nn', 'models', 'data', 'train', 'onnx', 'inference', 'bridge', 'cli'],
  nn: ['models', 'data', 'train', 'onnx', 'inference', 'bridge', 'cli'],
  models: ['train', 'onnx', 'inference', 'bridge', 'cli'],
  train: ['onnx', 'inference', 'cli'],
  onnx: ['train', 'inference', 'cli'],
  bridge: ['nn', 'models', 'train', 'onnx', 'inference', 'cli'],
  parity: ['models', 'onnx', 'inference', 'cli'],
};

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\s*\(\s*['"](\.[^'"]+)['"]\s*\)|import\s+['"](\.[^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * 'backend/wasm' or 'backend/tensorflow' when `spec`, imported from `file` outside src/backend, reaches into one of
 * those folders (kernels are asked for through the kernel registry or src/backend's top-level files); else null.
 */
function privateBackendTarget(file: string, spec: string): string | null {
  const from = relative(src, file).split('/');
  if (from[0] === 'backend') return null;
  const to = relative(src, resolve(dirname(file), spec)).split('/');
  return to[0] === 'backend' && (to[1] === 'wasm' || to[1] === 'tensorflow') ? `backend/${to[1]}` : null;
}

function backendPrivateImports(files: string[]): string[] {
  return files.flatMap((file) =>
    relativeImports(file)
      .filter((spec) => privateBackendTarget(file, spec) !== null)
      .map((spec) => `${relative(root, file)} imports ${spec} (only src/backend may import src/${privateBackendTarget(file, spec)})`),
  );
}

describe('module boundaries', () => {
  const files = tsFiles(src);

  it('keeps every folder to the imports docs/architecture.md allows', () => {
    const problems: string[] = [];
    for (const file of files) {
      const from = relative(src, file).split('/')[0]!;
      for (const spec of relativeImports(file)) {
        const to = relative(src, resolve(dirname(file), spec)).split('/')[0]!;
        if (to !== 'cli' && FORBIDDEN[from]?.includes(to)) problems.push(`${relative(root, file)} imports ${spec} (src/${from} must not import src/${to})`);
        if (to === 'cli' && from !== 'cli') problems.push(`${relative(root, file)} imports ${spec} (nothing imports src/cli)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps src/backend/wasm and src/backend/tensorflow private to src/backend', () => {
    expect(backendPrivateImports(files)).toEqual([]);
  });

  it('notices a violation (the check is not vacuous)', () => {
    // An nn file that imported a wasm kernel directly would be reported.
    const nnFile = join(src, 'nn', 'conv.ts');
    expect(privateBackendTarget(nnFile, '../backend/wasm/conv2d-backprop.js')).toBe('backend/wasm');
    expect(privateBackendTarget(nnFile, '../backend/tensorflow/register.js')).toBe('backend/tensorflow');
    expect(privateBackendTarget(nnFile, '../backend/conv2d-nhwc.js')).toBeNull();
    expect(privateBackendTarget(join(src, 'backend', 'index.ts'), './wasm/register.js')).toBeNull();
    const imports = files.flatMap((f) => relativeImports(f));
    expect(imports.length).toBeGreaterThan(50);
    expect(relativeImports(join(src, 'nn', 'module.ts'))).toContain('./parameter.js');
  });
});
