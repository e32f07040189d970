/** The checks behind `twinml doctor`. */
import { createRequire } from 'node:module';
import { probeBackends, resolveAuto, type BackendStatus } from '../../backend/index.js';
import type { TorchDeviceStatus } from '../../backend/torch/devices.js';
import { findPython, REFERENCE_MODULES, type PythonDiscovery } from '../../bridge/find-python.js';

const require = createRequire(import.meta.url);

function version(pkg: string): string | null {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

interface OnnxRuntimeStatus {
  available: boolean;
  version?: string;
  executionProviders?: string[];
  notInstalled?: string[];
  reason?: string;
  fix?: string;
}

async function probeOnnxRuntime(): Promise<OnnxRuntimeStatus> {
  try {
    const { inferenceRuntimeInfo } = await import('../../inference/runtime-info.js');
    const info = await inferenceRuntimeInfo();
    return { available: true, version: info.version, executionProviders: info.executionProviders, notInstalled: info.notInstalled };
  } catch (e) {
    return { available: false, reason: (e as Error).message.split('\n')[0], fix: 'npm install (onnxruntime-node ships its CPU binaries)' };
  }
}

export interface DoctorReport {
  node: string;
  tfjsCore: string | null;
  backends: BackendStatus[];
  auto: string | null;
  onnxruntime: OnnxRuntimeStatus;
  python: PythonDiscovery;
  /** Devices of the torch backend (empty when its addon is not built). */
  torchDevices: TorchDeviceStatus[];
  ok: { training: boolean; inference: boolean; python: boolean };
}

export async function collectDoctorReport(): Promise<DoctorReport> {
  const backends = await probeBackends();
  let auto: string | null = null;
  try {
    auto = await resolveAuto();
  } catch {
    auto = null;
  }
  const onnxruntime = await probeOnnxRuntime();
  const python = findPython();
  const torchDevices = backends.some((b) => b.name === 'torch' && b.available) ? (await import('../../backend/torch/devices.js')).torchDevices() : [];
  return {
    node: process.version,
    tfjsCore: version('@tensorflow/tfjs-core'),
    backends,
    auto,
    onnxruntime,
    python,
    torchDevices,
    ok: { training: backends.some((b) => b.available), inference: onnxruntime.available, python: python.chosen != null },
  };
}

function mark(ok: boolean): string {
  return ok ? 'ok     ' : 'MISSING';
}

export async function runDoctor(options: { json: boolean }): Promise<number> {
  const r = await collectDoctorReport();
  const exitCode = r.ok.training && r.ok.inference ? 0 : 1;
  if (options.json) {
    console.log(JSON.stringify(r, null, 2));
    return exitCode;
  }
  const lines: string[] = [];
  lines.push(`node            ${r.node}`);
  lines.push(`tfjs-core       ${r.tfjsCore ?? 'not installed (npm install)'}`);
  lines.push('backends');
  for (const b of r.backends) {
    lines.push(`  ${mark(b.available)} ${b.name.padEnd(10)} ${b.available ? b.detail ?? '' : `${b.reason}${b.fix ? `\n             fix: ${b.fix}` : ''}`}`);
  }
  lines.push(`  auto picks: ${r.auto ?? 'nothing (no backend loads)'}`);
  if (r.torchDevices.length) {
    lines.push('torch devices (--device; threads: --threads, torch.set_num_threads semantics)');
    for (const d of r.torchDevices) lines.push(`  ${mark(d.available)} ${d.device.padEnd(10)} ${d.detail}`);
  }
  const ort = r.onnxruntime;
  lines.push('inference');
  lines.push(`  ${mark(ort.available)} onnxruntime-node ${ort.available ? `${ort.version}, execution providers: ${ort.executionProviders?.join(', ')}${ort.notInstalled?.length ? `; not installed: ${ort.notInstalled.join(', ')} (GPU: ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node)` : ''}` : `${ort.reason}\n             fix: ${ort.fix}`}`);
  lines.push('python reference (TWINML_PYTHON / configure({ python }) when set, else .venv, then PATH)');
  const chosen = r.python.chosen;
  if (chosen) {
    lines.push(`  ${mark(true)} ${chosen.executable ?? chosen.candidate} (from ${chosen.source}), Python ${chosen.pythonVersion}`);
    lines.push(`          ${REFERENCE_MODULES.map((m) => `${m} ${chosen.modules[m] ?? 'MISSING'}`).join(', ')}`);
    if (chosen.problem) lines.push(`          ${chosen.problem}; fix: npm run setup (or pip install -r requirements.txt into that interpreter)`);
  } else {
    for (const p of r.python.probes) lines.push(`  tried ${p.candidate} (${p.source}): ${p.problem}`);
    lines.push(`  ${mark(false)} ${r.python.advice}`);
  }
  lines.push('');
  lines.push(`training: ${r.ok.training ? 'works' : 'BROKEN'}   inference: ${r.ok.inference ? 'works' : 'BROKEN'}   parity (python): ${r.ok.python ? 'works' : 'not available'}`);
  console.log(lines.join('\n'));
  return exitCode;
}
