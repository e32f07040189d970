/**
 * What every parity suite shares: whether Python with torch is available (skip with one line, or fail under
 * TWINML_REQUIRE_PYTHON=1), one bridge per suite file (shared by its describes), the tfjs backend, and
 * recording rows for the report.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { findPython } from '../../src/bridge/find-python.js';
import { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { CollectedRecord, Localisation, ParityRow } from '../../src/parity/report.js';
import { probeBackends, useBackend, type BackendName } from '../../src/backend/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder where suites append report rows (set by parity-tests/support/global-setup.ts). */
    parityRowsDir: string;
    /** findPython() done once for the run by the global setup: the interpreter, or the advice. */
    parityPython: { executable?: string; advice?: string };
    /** The tfjs backend the suites run on (parity-tests/vitest.torch.config.ts sets 'torch'; default cpu). */
    parityBackend?: BackendName;
  }
}

const requirePython = process.env.TWINML_REQUIRE_PYTHON === '1';
/** Probing imports torch (seconds): the global setup of `twinml parity` does it once; plain vitest runs per file. */
function discover(): { executable?: string; advice?: string } {
  const provided = inject('parityPython');
  if (provided) return provided;
  const d = findPython();
  return { executable: d.chosen?.executable ?? d.chosen?.candidate, advice: d.advice };
}
const discovery = discover();
const python = discovery.executable;
export const pythonAvailable = python !== undefined;

/** Prints the skip line once per vitest run (the first suite file to notice writes a marker for the run). */
function announceSkip(): void {
  try {
    writeFileSync(join(tmpdir(), `twinml-parity-skip-${process.ppid}`), '', { flag: 'wx' });
    console.warn('twinml parity suites skipped: no Python with torch found. Enable them with `npm run setup` (creates .venv) or TWINML_PYTHON=/path/to/python; set TWINML_REQUIRE_PYTHON=1 to make this an error.');
  } catch {
    // another suite file of this run already said it
  }
}

if (!pythonAvailable && !requirePython) announceSkip();

function rowsFile(): string | null {
  const dir = inject('parityRowsDir');
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  return join(dir, `rows-${process.pid}.jsonl`);
}

function collect(record: CollectedRecord): void {
  const file = rowsFile();
  if (file) appendFileSync(file, JSON.stringify(record) + '\n');
}

/** Adds rows to the report (when the run collects one) without asserting. */
export function recordRows(rows: ParityRow[]): void {
  for (const row of rows) collect({ kind: 'row', row });
}

export function recordLocalisation(localisation: Localisation): void {
  collect({ kind: 'localisation', localisation });
}

/** One line per failing row, for assertion messages. */
export function describeFailures(rows: ParityRow[]): string {
  return rows
    .filter((r) => !r.pass)
    .map((r) => `${r.name} [${r.shape.join(',')}] on ${r.backend}: ${r.failure} (at [${r.maxAbs.index.join(',')}] ours ${r.maxAbs.ours}, torch f64 ${r.maxAbs.reference})`)
    .join('\n');
}

/** Records rows and asserts that every one passed, naming the failures. */
export function expectParity(rows: ParityRow[]): void {
  recordRows(rows);
  expect(rows.length, 'a parity check compared no tensors').toBeGreaterThan(0);
  expect(describeFailures(rows), 'tensors outside the parity tolerance').toBe('');
}

export interface ParitySession {
  /** The suite's bridge (started in beforeAll). */
  readonly py: PythonBridge;
}

/**
 * `describe` for a parity suite: skipped (with one line per run) without Python, failing under
 * TWINML_REQUIRE_PYTHON=1, otherwise with a bridge started before and closed after the suite.
 * @param name - the suite's name
 * @param body - the suite, given the session
 * @param options - the tfjs backend to use (default: the run's `parityBackend`, else cpu, the reference backend)
 */
export function describeParity(name: string, body: (session: ParitySession) => void, options: { backend?: BackendName } = {}): void {
  const run = pythonAvailable || requirePython ? describe : describe.skip;
  run(name, () => {
    let bridge: PythonBridge | null = null;
    const session: ParitySession = {
      get py(): PythonBridge {
        if (!bridge) throw new Error('parity session: the bridge is not started');
        return bridge;
      },
    };
    beforeAll(async () => {
      if (!pythonAvailable) throw new Error(`TWINML_REQUIRE_PYTHON=1 but ${discovery.advice ?? 'no Python with torch was found'}`);
      await useBackend(options.backend ?? inject('parityBackend') ?? 'cpu');
      bridge = await PythonBridge.start({ python });
      const v = await bridge.versions();
      collect({ kind: 'versions', versions: { python: v.python, torch: v.torch, numpy: v.numpy, safetensors: v.safetensors, node: process.versions.node, tfjs: tf.version_core } });
    });
    // No close() per describe: the file's describes share one Python (PythonBridge.start() returns the running
    // one); it is stopped when the test worker exits (exit/signal handlers, and Python's parent watchdog).
    body(session);
  });
}

/** The tfjs backends that load here (tensorflow only when tfjs-node is installed). */
export async function availableBackends(): Promise<BackendName[]> {
  return (await probeBackends()).filter((b) => b.available).map((b) => b.name);
}
