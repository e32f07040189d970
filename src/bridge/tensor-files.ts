/**
 * Tensors cross the bridge as raw little-endian bytes in safetensors layout, never as JSON number lists,
 * through one shared-memory file (on /dev/shm when the machine has it) that both processes reuse: TS writes
 * the inputs at offset 0, Python maps the file once and reads them as zero-copy views, writes its outputs
 * after them, and TS reads those back. Reusing the file's pages makes each transfer one copy.
 */
import { closeSync, existsSync, mkdtempSync, openSync, read, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTensor, StateDict } from '../util/host-tensor.js';
import { parseSafetensors, safetensorsParts } from '../io/safetensors.js';

/** Tensors by name, as a Map (a state_dict) or a plain object. */
export type TensorMap = StateDict | Record<string, HostTensor>;

export function toStateDict(tensors: TensorMap | undefined): StateDict {
  if (!tensors) return new Map();
  return tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
}

const READ_CHUNK = 1 << 20;
/** Concurrent reads (libuv's thread pool copies in parallel; measurably faster than one sequential read). */
const READ_LANES = 4;

/** Where Python's outputs start: after the inputs, page aligned. */
export function outputOffset(inputLength: number): number {
  return Math.ceil(inputLength / 4096) * 4096;
}

/** The transfer file of one bridge and its temp folder; `dispose()` removes both. */
export class TensorExchange {
  readonly dir: string;
  /** The shared transfer file. */
  readonly arenaPath: string;
  private readonly fd: number;
  private disposed = false;
  private receive: Buffer = Buffer.alloc(0);

  constructor() {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    this.dir = mkdtempSync(join(base, 'twinml-bridge-'));
    this.arenaPath = join(this.dir, 'transfer.safetensors');
    this.fd = openSync(this.arenaPath, 'w+', 0o600);
  }

  /** A file path in the exchange folder (for logs). */
  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Writes `tensors` at offset 0 and returns the number of bytes (0 when there are none).
   * @param tensors - name -> host tensor
   */
  write(tensors: StateDict): number {
    if (tensors.size === 0) return 0;
    let pos = 0;
    for (const part of safetensorsParts(tensors)) {
      for (let done = 0; done < part.length; ) done += writeSync(this.fd, part, done, part.length - done, pos + done);
      pos += part.length;
    }
    return pos;
  }

  /**
   * Reads the tensors Python wrote at [offset, offset + length).
   * @param offset - byte offset in the transfer file
   * @param length - byte length
   * @param borrow - true: the tensors are views into a buffer the next read reuses (no allocation, valid until
   *   the next call); false: they own fresh memory
   */
  async read(offset: number, length: number, borrow: boolean): Promise<StateDict> {
    let target: Buffer;
    if (borrow) {
      if (this.receive.length < length) this.receive = Buffer.allocUnsafeSlow(length);
      target = this.receive;
    } else {
      target = Buffer.allocUnsafeSlow(length);
    }
    const readAt = (at: number, size: number): Promise<number> =>
      new Promise((resolve, reject) => read(this.fd, target, at, size, offset + at, (e, n) => (e ? reject(e) : resolve(n))));
    const lane = async (first: number): Promise<void> => {
      for (let at = first * READ_CHUNK; at < length; at += READ_LANES * READ_CHUNK) {
        const size = Math.min(READ_CHUNK, length - at);
        for (let done = 0; done < size; ) {
          const n = await readAt(at + done, size - done);
          if (n === 0) throw new Error(`bridge transfer file ${this.arenaPath} ends before ${offset + length} bytes`);
          done += n;
        }
      }
    };
    await Promise.all(Array.from({ length: READ_LANES }, (_, i) => lane(i)));
    return parseSafetensors(target.subarray(0, length), this.arenaPath, { copy: false }).tensors;
  }

  /**
   * Closes the transfer file and removes the folder. Idempotent: the descriptor is closed once only, because a
   * second close would hit whatever the process opened under the same number since (for a later bridge, its IPC
   * socket to Python).
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
