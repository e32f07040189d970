/**
 * Runs parity-tests/onnx/onnx_parity.py on a batch of exported models in ONE Python process: writes each ONNX file,
 * its weights and inputs as files (safetensors: raw bytes), runs the interpreter chosen by
 * src/bridge/find-python.ts and reads the outputs back.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython } from '../../src/bridge/find-python.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { packageRoot } from '../../src/util/paths.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface PythonForParity {
  /** The interpreter, or undefined with the reason in `skipReason`. */
  executable?: string;
  skipReason?: string;
}

/** The interpreter with torch, onnx, onnxruntime and safetensors, or why there is none. */
export function pythonForParity(): PythonForParity {
  const discovery = findPython();
  const chosen = discovery.chosen;
  if (chosen && !chosen.problem) return { executable: chosen.executable ?? chosen.candidate };
  return { skipReason: chosen?.problem ? `${chosen.candidate} ${chosen.problem}` : (discovery.advice ?? 'no Python with torch found') };
}

export interface ParityJob {
  onnx: Uint8Array;
  /** Name -> input tensor (e.g. b1, b7). */
  inputs: StateDict;
  state: StateDict;
  /** Python module and class of the PyTorch original (importable from python/ or parity-tests/onnx/). */
  module: string;
  className: string;
  kwargs: Record<string, unknown>;
  /** Also export the original with torch.onnx.export (default true). */
  torchExport?: boolean;
}

export interface ParityJobResult {
  /** ort_python.<input>, torch32.<input>, torch64.<input>. */
  outputs: Map<string, HostTensor>;
  /** The same architecture exported by torch.onnx.export (opset 17, dynamic batch), unless the job said not to. */
  torchOnnx: Uint8Array | null;
}

export interface ParityRun {
  results: ParityJobResult[];
  versions: Record<string, string>;
}

/**
 * Runs the jobs in one Python process (timeout 10 minutes); a failure throws with Python's stderr.
 * @param executable - the Python interpreter
 * @param jobs - models, weights, inputs and the PyTorch originals to compare with
 */
export function runParityJobs(executable: string, jobs: ParityJob[]): ParityRun {
  const dir = mkdtempSync(join(tmpdir(), 'twinml-onnx-parity-'));
  try {
    const specs = jobs.map((job, i) => {
      const paths = {
        onnx: join(dir, `${i}.model.onnx`),
        inputs: join(dir, `${i}.inputs.safetensors`),
        state: join(dir, `${i}.state.safetensors`),
        outputs: join(dir, `${i}.outputs.safetensors`),
        torch_onnx: join(dir, `${i}.torch.onnx`),
      };
      writeFileSync(paths.onnx, job.onnx);
      writeFileSync(paths.inputs, serializeSafetensors(job.inputs));
      writeFileSync(paths.state, serializeSafetensors(job.state));
      return { ...paths, module: job.module, class: job.className, kwargs: job.kwargs, torch_export: job.torchExport ?? true };
    });
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify({ python_paths: [join(packageRoot(), 'python'), here], jobs: specs }));
    const run = spawnSync(executable, [join(here, 'onnx_parity.py'), join(dir, 'jobs.json')], { encoding: 'utf8', timeout: 600_000 });
    if (run.error || run.status !== 0) throw new Error(`onnx_parity.py failed: ${run.error?.message ?? ''}\n${run.stderr}`);
    const lines = run.stdout.trim().split('\n');
    return {
      results: specs.map((s) => ({
        outputs: parseSafetensors(new Uint8Array(readFileSync(s.outputs)), s.outputs).tensors,
        torchOnnx: s.torch_export ? new Uint8Array(readFileSync(s.torch_onnx)) : null,
      })),
      versions: JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, string>,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
