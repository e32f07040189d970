/**
 * The package as a user gets it: `npm pack`, install the tarball into a fresh project outside the repository, and
 * run TypeScript there that imports only from 'twinml' (no deep import, no second tfjs install): define a model with
 * nn modules and F, train it, save a safetensors state_dict, export ONNX; then the subpath exports, the types, and
 * the code of docs/porting-a-pytorch-model.md.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPython } from '../../src/bridge/find-python.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerProject, repoRoot, type ConsumerProject } from './consumer-project.js';

const fixture = join(import.meta.dirname, 'fixture');
const guidePath = join(repoRoot, 'docs', 'porting-a-pytorch-model.md');

/** The TypeScript example of the README's "Use it as a library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it as a library'));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

/** The guide's code blocks of one language, in order, as one program. */
function guideCode(language: 'ts' | 'python'): string {
  const blocks = [...readFileSync(guidePath, 'utf8').matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
  return blocks.join('\n');
}

describe('npm pack -> fresh project', () => {
  let project: ConsumerProject;

  beforeAll(() => {
    project = createConsumerProject();
    for (const f of ['main.ts', 'subpaths.ts']) copyFileSync(join(fixture, f), join(project.dir, f));
    writeFileSync(join(project.dir, 'guide.ts'), guideCode('ts'));
    writeFileSync(join(project.dir, 'guide.py'), guideCode('python'));
    writeFileSync(join(project.dir, 'readme.ts'), readmeExample());
  }, 600_000);

  afterAll(() => project?.remove());

  it('ships dist/ with types, python/, bin/, README and docs, and no tests or benchmarks', () => {
    const files = project.packedFiles;
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/nn/index.d.ts', 'dist/inference/index.js', 'dist/vendor/tfjs-gradients.cjs', 'bin/twinml.js', 'README.md', 'docs/porting-a-pytorch-model.md', 'docs/torch-names.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('python/twinml_ref/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('parity-tests/') || f.startsWith('bench/') || f.startsWith('src/') || f.endsWith('.map'))).toEqual([]);
    expect(existsSync(join(project.dir, 'node_modules', '@tensorflow', 'tfjs-core'))).toBe(true); // twinml's own dependency, hoisted
    const consumer = JSON.parse(readFileSync(join(project.dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(consumer.dependencies).filter((d) => d.includes('tensorflow'))).toEqual([]);
  });

  it('trains a model written with nn and F, saves safetensors and exports ONNX, importing only twinml', () => {
    project.runTs('main.ts');
    const r = JSON.parse(readFileSync(join(project.dir, 'result.json'), 'utf8')) as {
      backend: string;
      losses: number[];
      tensorCounts: number[];
      stateDictKeys: string[];
      logits: number[];
      reloadedLogits: number[];
      xMoreShape: number[];
      onnxBytes: number;
    };
    expect(r.backend).toBe('wasm');
    expect(r.losses).toHaveLength(30);
    expect(r.losses[29]!).toBeLessThan(r.losses[0]! * 0.5);
    expect(new Set(r.tensorCounts.slice(1)).size).toBe(1); // no tensor leak per step
    expect(r.stateDictKeys).toEqual(['fc1.weight', 'fc1.bias', 'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias', 'head.weight', 'head.bias']);
    expect(r.reloadedLogits).toEqual(r.logits);
    expect(r.xMoreShape).toEqual([26, 6]);
    expect(r.onnxBytes).toBeGreaterThan(1000);
    const header = readFileSync(join(project.dir, 'model.safetensors'));
    const json = JSON.parse(header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString('utf8')) as Record<string, { shape: number[] }>;
    expect(json['head.weight']!.shape).toEqual([3, 16]);
    expect(json['fc1.weight']!.shape).toEqual([16, 6]);
  });

  it('serves the exported ONNX through twinml/inference (no tfjs loaded) with the model\'s outputs; every subpath resolves', () => {
    project.runTs('subpaths.ts');
    const r = JSON.parse(readFileSync(join(project.dir, 'result.json'), 'utf8')) as { logits: number[] };
    const s = JSON.parse(readFileSync(join(project.dir, 'subpaths.json'), 'utf8')) as { onnxLogits: number[]; tfLoadedByInference: boolean; kinds: string[] };
    expect(s.tfLoadedByInference).toBe(false);
    expect(s.kinds).toEqual(['function', 'function', 'function', 'function']);
    expect(s.onnxLogits).toHaveLength(r.logits.length);
    const worst = Math.max(...s.onnxLogits.map((v, i) => Math.abs(v - r.logits[i]!)));
    expect(worst).toBeLessThan(1e-4);
  });

  it('runs every TypeScript block of docs/porting-a-pytorch-model.md: training lowers the loss, files are written', () => {
    expect(guideCode('ts').split('\n').length).toBeGreaterThan(60);
    const out = project.runTs('guide.ts');
    const losses = /epoch losses ([\d. ]+)/.exec(out)![1]!.trim().split(' ').map(Number);
    expect(losses.length).toBe(8);
    expect(losses[7]!).toBeLessThan(losses[0]! * 0.7);
    expect(Number(/train accuracy ([\d.]+)/.exec(out)![1])).toBeGreaterThan(0.5);
    for (const f of ['net.safetensors', 'probe.safetensors', 'net.onnx']) expect(existsSync(join(project.dir, f)), f).toBe(true);
  });

  const python = findPython().chosen?.executable;
  it.skipIf(!python)('runs every Python block of the guide: PyTorch loads the state_dict with strict=True and computes the same logits', () => {
    const out = execFileSync(python!, ['guide.py'], { cwd: project.dir, encoding: 'utf8' });
    expect(Number(/max \|PyTorch - twinml\| = ([\d.e+-]+)/.exec(out)![1])).toBeLessThan(1e-4);
  });

  it("runs the README's library example", () => {
    const before = Date.now();
    project.runTs('readme.ts');
    expect(statSync(join(project.dir, 'net.safetensors')).mtimeMs).toBeGreaterThanOrEqual(before - 1000);
  });

  it('type-checks the user code and the guide against the shipped .d.ts (strict, NodeNext)', () => {
    expect(project.typecheck()).toBe('');
  }, 300_000);
});
