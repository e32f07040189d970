/**
 * Tensors cross the bridge as safetensors files (raw little-endian bytes) in a private temp folder, on
 * /dev/shm (shared memory) when the machine has it, never as JSON number lists.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTensor, StateDict } from '../util/host-tensor.js';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors.js';

/** Tensors by name, as a Map (a state_dict) or a plain object. */
export type TensorMap = StateDict | Record<string, HostTensor>;

export function toStateDict(tensors: TensorMap | undefined): StateDict {
  if (!tensors) return new Map();
  return tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
}

/** A temp folder for one bridge's transfer files; `dispose()` removes it. */
export class TensorExchange {
  readonly dir: string;
  private counter = 0;

  constructor() {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    this.dir = mkdtempSync(join(base, 'twinml-bridge-'));
  }

  /** A fresh file path in the exchange folder. */
  nextPath(kind: 'in' | 'out' | 'log'): string {
    this.counter += 1;
    return join(this.dir, `${kind}-${this.counter}.${kind === 'log' ? 'txt' : 'safetensors'}`);
  }

  /**
   * Writes `tensors` to a new file and returns its path ('' when there are none).
   * @param tensors - name -> host tensor
   */
  write(tensors: StateDict): string {
    if (tensors.size === 0) return '';
    const path = this.nextPath('in');
    writeFileSync(path, serializeSafetensors(tensors));
    return path;
  }

  /**
   * Reads and removes a file the Python side wrote.
   * @param path - the file
   */
  read(path: string): StateDict {
    const bytes = readFileSync(path);
    rmSync(path, { force: true });
    return parseSafetensors(bytes, path).tensors;
  }

  remove(path: string): void {
    if (path) rmSync(path, { force: true });
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
