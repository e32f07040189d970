/**
 * `twinml bench tensorflow-ops`: what bounds the `tensorflow` backend's training step, measured at 1 thread next to
 * PyTorch in the same run:
 *   - GEMM: TensorFlow's MatMul (tfjs-node, through tf.matMul) vs torch.mm, GFLOP/s on the shapes of the mlp and
 *     mlp-large training steps, with the wheel's default kernels and with TF_ENABLE_ONEDNN_OPTS=1 (oneDNN);
 *   - fixed cost per op: a 10-element add as a raw TFE_Execute through the binding, as a tfjs op on the tensorflow
 *     backend, and in PyTorch;
 *   - TensorFlow ops (TFE_Execute calls through the binding) and tensor uploads per training step;
 *   - the training step of the zoo mlp and cnn (batch 64) and of mlp-large (784-1024-1024-10, batch 256) as the
 *     MINIMUM step time over many steps on both sides: on a shared machine the steps that got a core to themselves,
 *     so the ratio holds under load where the medians of the zoo rows do not.
 * Each TensorFlow variant runs in its own child process (the variables are read when tfjs-node loads).
 */
import { spawnSync } from 'node:child_process';
import type { Scalar } from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { findPython } from '../dist/bridge/find-python.js';
import { packageRoot } from '../dist/util/paths.js';
import { printChildResult, runBenchChild, tensorflowThreadEnv } from './tensorflow-pinned.js';

/** [M, K, N]: C[M,N] = A[M,K] B[K,N]. Forward and both gradient GEMMs of the bench MLPs' first two layers. */
export const GEMM_SHAPES: Array<[number, number, number]> = [
  [256, 784, 1024],
  [256, 1024, 1024],
  [784, 256, 1024],
  [256, 1024, 784],
  [64, 784, 256],
  [784, 64, 256],
];

/** Models of the training-step comparison: zoo model, config overrides (same as the PyTorch kwargs), batch, steps. */
export const STEP_MODELS: Array<{ name: string; model: string; config: Record<string, unknown>; batch: number; steps: number }> = [
  { name: 'mlp', model: 'mlp', config: {}, batch: 64, steps: 60 },
  { name: 'cnn', model: 'cnn', config: {}, batch: 64, steps: 20 },
  { name: 'mlp-large', model: 'mlp', config: { hidden: [1024, 1024] }, batch: 256, steps: 12 },
];

export interface StepRow {
  name: string;
  batch: number;
  /** Minimum training-step time, ms. */
  tensorflowMs: number;
  tensorflowOneDnnMs: number;
  torchMs: number;
  /** TensorFlow ops executed and host-to-TensorFlow tensor uploads per step (default kernels). */
  ops: number;
  uploads: number;
}

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
  trainingStep: StepRow[];
  torchVersion: string;
}

interface ChildOutput {
  gemm: number[];
  rawTfeExecute: number;
  tfjsOnTensorflow: number;
  steps: Array<{ minMs: number; ops: number; uploads: number }>;
}

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
  const { useBackend } = await import('../dist/backend/index.js');
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
  const steps: ChildOutput['steps'] = [];
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

  const { getZooModel } = await import('../dist/models/index.js');
  const { manualSeed } = await import('../dist/nn/generator.js');
  const { Adam } = await import('../dist/train/optim/adam.js');
  const { CrossEntropyLoss } = await import('../dist/nn/loss/index.js');
  const { backward } = await import('../dist/train/backward.js');
  for (const spec of STEP_MODELS) {
    const zoo = getZooModel(spec.model);
    manualSeed(1);
    const model = zoo.create(zoo.resolveConfig(spec.config, { sampleShape: [1, 28, 28], numClasses: 10 }));
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const loss = new CrossEntropyLoss();
    const input = tf.randomNormal([spec.batch, 1, 28, 28]);
    const target = tf.tensor1d(Int32Array.from({ length: spec.batch }, (_, i) => i % 10), 'int32');
    model.train();
    const step = () => {
      model.zeroGrad();
      const value = backward(() => loss.call(model.call(input), target) as Scalar, model.parameters());
      optimizer.step();
      value.dataSync();
      value.dispose();
    };
    const minMs = bestMs(step, spec.steps);
    counts.ops = counts.uploads = 0;
    step();
    steps.push({ minMs, ...counts });
    model.zeroGrad();
    model.dispose();
    optimizer.disposeState();
    tf.dispose([input, target]);
  }
  backend.binding = binding;
  const out: ChildOutput = { gemm, rawTfeExecute, tfjsOnTensorflow, steps };
  printChildResult(out);
}

function runChild(oneDnn: boolean): Promise<ChildOutput> {
  const env = { ...tensorflowThreadEnv(1), TF_ENABLE_ONEDNN_OPTS: oneDnn ? '1' : '0' };
  return runBenchChild<ChildOutput>('tensorflow-ops.js', 'runTensorflowOpsChild', null, env, `tensorflow-ops child (oneDNN ${oneDnn ? 'on' : 'off'})`);
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
import importlib
steps = []
for spec in json.loads(sys.argv[2]):
    torch.manual_seed(1)
    module = importlib.import_module(f"twinml_ref.models.{spec['model']}")
    model = getattr(module, spec["model"].upper())(**spec["config"])
    inp = torch.randn(spec["batch"], 1, 28, 28); target = torch.arange(spec["batch"]) % 10
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    def step():
        opt.zero_grad(); loss = torch.nn.functional.cross_entropy(model(inp), target); loss.backward(); opt.step(); loss.item()
    model.train()
    steps.append(best(step, spec["steps"]) * 1000)
print(json.dumps({"gemm": gemm, "per_op": per_op, "steps": steps, "version": torch.__version__}))
`;

/** Runs the measurements (two TensorFlow children, then PyTorch) and returns them. */
export async function runTensorflowOpsBench(): Promise<TensorflowOpsResults> {
  const plain = await runChild(false);
  const oneDnn = await runChild(true);
  const python = findPython();
  if (!python.chosen?.executable) throw new Error(python.advice ?? 'tensorflow-ops: no Python with torch found');
  const r = spawnSync(python.chosen.executable, ['-c', TORCH_SCRIPT, JSON.stringify(GEMM_SHAPES), JSON.stringify(STEP_MODELS)], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(packageRoot(), 'python') },
  });
  if (r.status !== 0) throw new Error(`tensorflow-ops: PyTorch side failed (exit ${r.status}): ${r.stderr}`);
  const torch = JSON.parse(r.stdout) as { gemm: number[]; per_op: number; steps: number[]; version: string };
  return {
    threads: 1,
    gemm: GEMM_SHAPES.map((shape, i) => ({
      shape,
      tensorflowGflops: plain.gemm[i]!,
      tensorflowOneDnnGflops: oneDnn.gemm[i]!,
      torchGflops: torch.gemm[i]!,
    })),
    perOpMicroseconds: { rawTfeExecute: plain.rawTfeExecute, tfjsOnTensorflow: plain.tfjsOnTensorflow, torch: torch.per_op },
    trainingStep: STEP_MODELS.map((spec, i) => ({
      name: spec.name,
      batch: spec.batch,
      tensorflowMs: plain.steps[i]!.minMs,
      tensorflowOneDnnMs: oneDnn.steps[i]!.minMs,
      torchMs: torch.steps[i]!,
      ops: plain.steps[i]!.ops,
      uploads: plain.steps[i]!.uploads,
    })),
    torchVersion: torch.version,
  };
}

/** The results as printable lines. */
export function formatTensorflowOps(r: TensorflowOpsResults): string[] {
  const lines = [`tensorflow-ops (1 thread; PyTorch ${r.torchVersion}; TF oneDNN = TF_ENABLE_ONEDNN_OPTS=1, twinml's default): GEMM GFLOP/s, C[M,N] = A[M,K] B[K,N]`];
  lines.push('  M x K x N          TF (Eigen)  TF (oneDNN)  torch.mm  TF/torch');
  for (const g of r.gemm) {
    const best = Math.max(g.tensorflowGflops, g.tensorflowOneDnnGflops);
    lines.push(`  ${g.shape.join(' x ').padEnd(17)}  ${g.tensorflowGflops.toFixed(1).padStart(10)}  ${g.tensorflowOneDnnGflops.toFixed(1).padStart(11)}  ${g.torchGflops.toFixed(1).padStart(8)}  ${(best / g.torchGflops).toFixed(2).padStart(8)}`);
  }
  const p = r.perOpMicroseconds;
  lines.push(`  fixed cost per op (10-element add): raw TFE_Execute ${p.rawTfeExecute.toFixed(1)} µs, tfjs op on tensorflow ${p.tfjsOnTensorflow.toFixed(1)} µs, PyTorch ${p.torch.toFixed(1)} µs`);
  lines.push('  training step (Adam, CrossEntropyLoss), minimum ms over many steps; TF/torch = torch ms / best TF ms:');
  lines.push('  model      batch    TF (Eigen)  TF (oneDNN)  torch  TF/torch  TF ops + uploads per step');
  for (const s of r.trainingStep) {
    const best = Math.min(s.tensorflowMs, s.tensorflowOneDnnMs);
    lines.push(`  ${s.name.padEnd(9)}  ${String(s.batch).padStart(5)}  ${s.tensorflowMs.toFixed(1).padStart(12)}  ${s.tensorflowOneDnnMs.toFixed(1).padStart(11)}  ${s.torchMs.toFixed(1).padStart(5)}  ${(s.torchMs / best).toFixed(2).padStart(8)}  ${s.ops} + ${s.uploads}`);
  }
  return lines;
}
