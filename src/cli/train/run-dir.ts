/** The run directory: config.json, metrics.jsonl, model.safetensors (+ model.onnx and model.json from the export). */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { TrainerCallbacks } from '../../train/trainer.js';

export function createRunDir(out: string): string {
  mkdirSync(out, { recursive: true });
  return out;
}

export function writeConfig(runDir: string, config: object): void {
  writeFileAtomic(join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

/**
 * Appends one JSON object per epoch to metrics.jsonl. The file is started with `rows` (the completed epochs
 * of a resumed run; empty for a new run).
 */
export function metricsWriter(runDir: string, rows: object[] = []): TrainerCallbacks {
  const path = join(runDir, 'metrics.jsonl');
  writeFileSync(path, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  return {
    onEpochEnd: (_t, metrics) => {
      appendFileSync(path, JSON.stringify(metrics) + '\n');
    },
  };
}
