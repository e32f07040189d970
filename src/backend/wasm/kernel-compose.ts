/**
 * Helpers for kernels composed from other kernels of the same backend (the way fast-batch-matmul.ts composes
 * Transpose and BatchMatMul): look kernels up by name, run them on TensorInfos, and dispose the temporaries.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/** Runs kernels of one backend and frees every intermediate result it made (except the ones kept). */
export class KernelComposer {
  private readonly made: TensorInfo[] = [];

  /**
   * @param backend - the backend instance the composed kernel received
   * @param backendName - its registered name ('wasm', 'cpu', ...)
   */
  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  /**
   * Runs kernel `name` on this backend; the result is freed by `finish()` unless it is returned.
   * @param name - the tfjs kernel name (for example 'Conv2D')
   * @param inputs - the kernel's named inputs
   * @param attrs - the kernel's attributes
   */
  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const config = tf.getKernel(name, this.backendName);
    if (!config) throw new Error(`twinml: kernel ${name} is not registered for backend ${this.backendName}`);
    const out = (config.kernelFunc as KernelFunc)({ inputs, backend: this.backend, attrs });
    const info = Array.isArray(out) ? out[0]! : out;
    this.made.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Pads with zeros; negative amounts crop (a slice). */
  padOrCrop(x: TensorInfo, amounts: Array<[number, number]>): TensorInfo {
    let out = x;
    if (amounts.some(([a, b]) => a < 0 || b < 0)) {
      const begin = amounts.map(([a]) => Math.max(0, -a));
      const size = out.shape.map((d, i) => d - begin[i]! - Math.max(0, -amounts[i]![1]));
      out = this.run('Slice', { x: out }, { begin, size });
    }
    if (amounts.some(([a, b]) => a > 0 || b > 0)) {
      const paddings = amounts.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]);
      out = this.run('PadV2', { x: out }, { paddings, constantValue: 0 });
    }
    return out;
  }

  /** Frees every intermediate except `result` (which may share data with one of them) and returns it. */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.made) if (t !== result) this.backend.disposeData(t.dataId);
    this.made.length = 0;
    return result;
  }
}
