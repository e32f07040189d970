/**
 * Finds a Python interpreter that can run the PyTorch reference: the `python` setting (configure({ python }) or
 * TWINML_PYTHON) when set, as the only candidate (an explicit choice never falls back silently); otherwise the
 * project's `.venv`, then other candidates on PATH, choosing the first that can `import torch`.
 * No pythonia here: `twinml doctor` uses this without starting a bridge.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { settings } from '../util/settings.js';

export interface PythonProbe {
  /** The command or path tried. */
  candidate: string;
  /** Where the candidate came from. */
  source: 'TWINML_PYTHON' | '.venv' | 'PATH';
  /** The interpreter's own sys.executable, when it ran. */
  executable?: string;
  pythonVersion?: string;
  /** Module name -> version, or null when the import failed. */
  modules: Record<string, string | null>;
  /** Why this candidate was not usable (did not run, or cannot import torch). */
  problem?: string;
}

export interface PythonDiscovery {
  /** The chosen interpreter (imports torch), or undefined. */
  chosen?: PythonProbe;
  /** Every candidate tried, in order. */
  probes: PythonProbe[];
  /** A one-paragraph explanation and the command that fixes it, when nothing usable was found. */
  advice?: string;
}

export const REFERENCE_MODULES = ['torch', 'numpy', 'onnx', 'onnxruntime', 'safetensors'] as const;

const PROBE_SCRIPT = `
import json, sys, importlib
out = {"executable": sys.executable, "python": sys.version.split()[0], "modules": {}}
for name in ${JSON.stringify(REFERENCE_MODULES)}:
    try:
        m = importlib.import_module(name)
        out["modules"][name] = str(getattr(m, "__version__", "unknown"))
    except Exception as e:
        out["modules"][name] = None
print(json.dumps(out))
`;

function candidates(): Array<{ candidate: string; source: PythonProbe['source'] }> {
  const list: Array<{ candidate: string; source: PythonProbe['source'] }> = [];
  const chosen = settings().python;
  if (chosen) return [{ candidate: chosen, source: 'TWINML_PYTHON' }];
  const venvDirs = new Set([join(packageRoot(), '.venv'), resolve('.venv')]);
  for (const dir of venvDirs) {
    const py = join(dir, 'bin', 'python');
    if (existsSync(py)) list.push({ candidate: py, source: '.venv' });
  }
  for (const name of ['python3', 'python', '/usr/bin/python3']) list.push({ candidate: name, source: 'PATH' });
  return list;
}

/** Runs one candidate and reports what it can import. */
export function probePython(candidate: string, source: PythonProbe['source']): PythonProbe {
  const run = spawnSync(candidate, ['-c', PROBE_SCRIPT], { encoding: 'utf8', timeout: 60_000 });
  if (run.error || run.status !== 0) {
    const why = run.error ? run.error.message : (run.stderr || '').trim().split('\n').slice(-1)[0];
    return { candidate, source, modules: {}, problem: `does not run: ${why}` };
  }
  try {
    const parsed = JSON.parse(run.stdout.trim().split('\n').slice(-1)[0] ?? '');
    const probe: PythonProbe = {
      candidate,
      source,
      executable: parsed.executable,
      pythonVersion: parsed.python,
      modules: parsed.modules,
    };
    const missing = REFERENCE_MODULES.filter((m) => probe.modules[m] == null);
    if (probe.modules.torch == null) probe.problem = `cannot import torch (missing: ${missing.join(', ')})`;
    else if (missing.length > 0) probe.problem = `imports torch but is missing: ${missing.join(', ')}`;
    return probe;
  } catch {
    return { candidate, source, modules: {}, problem: `unexpected output: ${run.stdout.slice(0, 200)}` };
  }
}

/** Tries the candidates in order; the first that imports torch is chosen (one with every module preferred). */
export function findPython(): PythonDiscovery {
  const probes: PythonProbe[] = [];
  const seen = new Set<string>();
  for (const { candidate, source } of candidates()) {
    const probe = probePython(candidate, source);
    const key = probe.executable ?? candidate;
    if (seen.has(key)) continue;
    seen.add(key);
    probes.push(probe);
    if (!probe.problem) return { chosen: probe, probes };
  }
  const withTorch = probes.find((p) => p.modules.torch != null);
  if (withTorch) return { chosen: withTorch, probes };
  const advice =
    (settings().python ? `The configured Python (TWINML_PYTHON / configure({ python })) ${settings().python} cannot import torch. ` : '') +
    'No Python interpreter that can import torch was found. Fix: `npm run setup` (creates .venv with requirements.txt), ' +
    'or point TWINML_PYTHON at an interpreter with torch, numpy, onnx, onnxruntime and safetensors ' +
    '(for example: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt).';
  return { probes, advice };
}
