/**
 * `twinml bench tensorflow-ops`: what bounds the `tensorflow` backend's training step, measured at 1 thread next to
 * PyTorch in the same run:
 *   - GEMM: TensorFlow's MatMul (tfjs-node, through tf.matMul) vs torch.mm, GFLOP/s on the shapes of the mlp and
 *     mlp-large training steps, with the wheel's default kernels and with TF_ENABLE_ONEDNN_OPTS=1 (oneDNN);
 *   - fixed cost per op: a 10-element add as a raw TFE_Execute through the binding, as a tfjs op on the tensorflow
 *     backend, and in PyTorch;
 *   - TensorFlow ops (TFE_Execute calls through the binding) and tensor uploads per training step of the zoo mlp
 *     and cnn at batch 64.
 * Each TensorFlow variant runs in its own child process (the variables are read when tfjs-node loads).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findPython } from '../bridge/find-python.js';
import { packageRoot } from '../util/paths.js';
import { tensorflowThreadEnv } from './tensorflow-pinned.js';

/** [M, K, N]: C[M,N] = A[M,K] B[K,N]. Forward and both gradient GEMMs of the bench MLPs' first two layers. */
export const GEMM_SHAPES: Array<[number, number, number]> = [
  [256, 784, 1024],
  [256, 1024, 1024],
  [784, 256, 1024],
  [256, 1024, 784],
  [64, 784, 256],
  [784, 64, 256],
];

export interface GemmRow {
  shape: [number, number, number];
  tensorflowGflops: number;
  tensorflowOneDnnGflops: number;
  torchGflops: number;
}

export interface TensorflowOpsResults {
  threads: 1;
  gemm: GemmRow[];
  /** Microseconds per 10-element add (op + freeing its output). */
  perOpMicroseconds: { rawTfeExecute: number; tfjsOnTensorflow: number; torch: number };
  /** TensorFlow ops executed and host-to-TensorFlow tensor uploads per training step (batch 64). */
  perTrainingStep: Record<string, { ops: number; uploads: number }>;
  torchVersion: string;
}

interface ChildOutput {
  gemm: number[];
  rawTfeExecute: number;
  tfjsOnTensorflow: number;
  perTrainingStep: Record<string, { ops: number; uploads: number }>;
}

const RESULT_MARK = 'TWINML_OPS_RESULT ';

/** Best (minimum) milliseconds per call of `f` over `repeats` calls after 3 warm-up calls. */
function bestMs(f: () => void, repeats: number): number {
  for (let i = 0; i < 3; i++) f();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    f();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** Child side: measures on the tensorflow backend with the environment it was started with; prints one line. */
export async function runTensorflowOpsChild(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend } = await import('../backend/index.js');
  await useBackend('tensorflow');
  const gemm = GEMM_SHAPES.map(([m, k, n]) => {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const ms = bestMs(() => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    }, 25);
    tf.dispose([a, b]);
    return (2 * m * k * n) / (ms * 1e6);
  });
  // Fixed cost per op: many tiny adds, best of several rounds.
  const x = tf.ones([10]);
  const rounds = (f: () => void) => bestMs(() => {
    for (let i = 0; i < 500; i++) f();
  }, 7) * 2; // ms per 500 -> µs per op
  const backend = tf.backend() as unknown as {
    binding: {
      executeOp(n: string, a: unknown[], ids: number[], o: number): Array<{ id: number }>;
      createTensor(...args: unknown[]): number;
      deleteTensor(id: number): void;
      TF_ATTR_TYPE: number;
      TF_FLOAT: number;
    };
    getInputTensorIds(t: unknown[]): number[];
  };
  const ids = backend.getInputTensorIds([x, x]);
  const attrs = [{ name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT }];
  const rawTfeExecute = rounds(() => backend.binding.deleteTensor(backend.binding.executeOp('Add', attrs, ids, 1)[0]!.id));
  const tfjsOnTensorflow = rounds(() => tf.add(x, x).dispose());
  x.dispose();
  const perTrainingStep: Record<string, { ops: number; uploads: number }> = {};
  // Count the binding's calls: every TensorFlow op and every upload of a tfjs-created tensor goes through these.
  // (The native binding's properties are read-only: the backend gets an object inheriting from it instead.)
  const binding = backend.binding;
  const counts = { ops: 0, uploads: 0 };
  const counting = (name: 'executeOp' | 'createTensor', counter: keyof typeof counts) => ({
    value: (...args: unknown[]) => {
      counts[counter]++;
      return (binding[name] as (...a: unknown[]) => unknown).apply(binding, args);
    },
  });
  backend.binding = Object.create(binding, { executeOp: counting('executeOp', 'ops'), createTensor: counting('createTensor', 'uploads') }) as typeof binding;

  const { registerZooSections } = await import('./zoo-sections.js');
  const { getZooModel } = await import('../models/index.js');
  const { Adam } = await import('../train/optim/adam.js');
  const { CrossEntropyLoss } = await import('../train/loss/cross-entropy.js');
  const { backward } = await import('../train/backward.js');
  registerZooSections();
  for (const name of ['mlp', 'cnn']) {
    const zoo = getZooModel(name);
    const model = zoo.create(zoo.resolveConfig({}, { sampleShape: [1, 28, 28], numClasses: 10 }));
    const optimizer = new Adam(model.parameters());
    const loss = new CrossEntropyLoss();
    const input = tf.randomNormal([64, 1, 28, 28]);
    const target = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => i % 10), 'int32');
    const step = () => {
      model.zeroGrad();
      backward(() => loss.call(model.call(input), target) as never, model.parameters()).dispose();
      optimizer.step();
    };
    step();
    step();
    counts.ops = counts.uploads = 0;
    step();
    perTrainingStep[name] = { ...counts };
    model.zeroGrad();
    model.dispose();
    optimizer.disposeState();
    tf.dispose([input, target]);
  }
  backend.binding = binding;
  const out: ChildOutput = { gemm, rawTfeExecute, tfjsOnTensorflow, perTrainingStep };
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(out)}\n`);
}

async function runChild(oneDnn: boolean): Promise<ChildOutput> {
  const entry = join(packageRoot(), 'dist', 'bench', 'tensorflow-ops.js');
  const script = `const { runTensorflowOpsChild } = await import(${JSON.stringify(entry)}); await runTensorflowOpsChild();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...tensorflowThreadEnv(1), TF_ENABLE_ONEDNN_OPTS: oneDnn ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_MARK));
  if (code !== 0 || !line) throw new Error(`tensorflow-ops child (oneDNN ${oneDnn ? 'on' : 'off'}) failed with exit code ${code}:\n${stderr.trim()}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as ChildOutput;
}

const TORCH_SCRIPT = `
import json, sys, time, torch
torch.set_num_threads(1)
shapes = json.loads(sys.argv[1])
def best(f, repeats):
    for _ in range(3): f()
    b = float('inf')
    for _ in range(repeats):
        t = time.perf_counter(); f(); b = min(b, time.perf_counter() - t)
    return b
gemm = []
for m, k, n in shapes:
    a = torch.randn(m, k); b = torch.randn(k, n)
    gemm.append(2 * m * k * n / best(lambda: (a @ b).numpy(), 25) / 1e9)
x = torch.ones(10)
def adds():
    for _ in range(500): x + x
per_op = best(adds, 7) / 500 * 1e6
print(json.dumps({"gemm": gemm, "per_op": per_op, "version": torch.__version__}))
`;

/** Runs the measurements (two TensorFlow children, then PyTorch) and returns them. */
export async function runTensorflowOpsBench(): Promise<TensorflowOpsResults> {
  const plain = await runChild(false);
  const oneDnn = await runChild(true);
  const python = findPython();
  if (!python.chosen?.executable) throw new Error(python.advice ?? 'tensorflow-ops: no Python with torch found');
  const r = spawnSync(python.chosen.executable, ['-c', TORCH_SCRIPT, JSON.stringify(GEMM_SHAPES)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tensorflow-ops: PyTorch side failed (exit ${r.status}): ${r.stderr}`);
  const torch = JSON.parse(r.stdout) as { gemm: number[]; per_op: number; version: string };
  return {
    threads: 1,
    gemm: GEMM_SHAPES.map((shape, i) => ({
      shape,
      tensorflowGflops: plain.gemm[i]!,
      tensorflowOneDnnGflops: oneDnn.gemm[i]!,
      torchGflops: torch.gemm[i]!,
    })),
    perOpMicroseconds: { rawTfeExecute: plain.rawTfeExecute, tfjsOnTensorflow: plain.tfjsOnTensorflow, torch: torch.per_op },
    perTrainingStep: plain.perTrainingStep,
    torchVersion: torch.version,
  };
}

/** The results as printable lines. */
export function formatTensorflowOps(r: TensorflowOpsResults): string[] {
  const lines = [`tensorflow-ops (1 thread; PyTorch ${r.torchVersion}): GEMM GFLOP/s, C[M,N] = A[M,K] B[K,N]`];
  lines.push('  M x K x N          TF (Eigen)  TF (oneDNN)  torch.mm  TF/torch');
  for (const g of r.gemm) {
    const best = Math.max(g.tensorflowGflops, g.tensorflowOneDnnGflops);
    lines.push(`  ${g.shape.join(' x ').padEnd(17)}  ${g.tensorflowGflops.toFixed(1).padStart(10)}  ${g.tensorflowOneDnnGflops.toFixed(1).padStart(11)}  ${g.torchGflops.toFixed(1).padStart(8)}  ${(best / g.torchGflops).toFixed(2).padStart(8)}`);
  }
  const p = r.perOpMicroseconds;
  lines.push(`  fixed cost per op (10-element add): raw TFE_Execute ${p.rawTfeExecute.toFixed(1)} µs, tfjs op on tensorflow ${p.tfjsOnTensorflow.toFixed(1)} µs, PyTorch ${p.torch.toFixed(1)} µs`);
  const steps = Object.entries(r.perTrainingStep).map(([k, v]) => `${k} ${v.ops} ops + ${v.uploads} uploads`);
  lines.push(`  TensorFlow ops per training step (batch 64, Adam): ${steps.join(', ')}`);
  return lines;
}
