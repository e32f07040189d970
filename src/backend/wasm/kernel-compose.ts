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

  /**
   * Hands a result made outside `run()` (for example a heap output filled in JS) to the composer, so that
   * `finish()` frees it unless it is returned.
   * @param info - the tensor to free with the other intermediates
   */
  track(info: TensorInfo): TensorInfo {
    this.made.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /**
   * Transposes, first merging input axes that stay adjacent and in order under `perm` (the wasm Transpose is
   * faster at lower rank: [N,H,W,C] -> [H,W,N,C] runs as [N,HW,C] -> [HW,N,C]).
   */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const { shape: merged, perm: mergedPerm } = mergeTransposeAxes(x.shape, perm);
    const outShape = perm.map((a) => x.shape[a]!);
    if (merged.length === x.shape.length) return this.run('Transpose', { x }, { perm });
    if (mergedPerm.every((a, i) => a === i)) return this.reshape(x, outShape);
    const t = this.run('Transpose', { x: this.reshape(x, merged) }, { perm: mergedPerm });
    return this.reshape(t, outShape);
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

/**
 * Merges runs of input axes that are consecutive in `perm` (axis a followed by a+1) into one axis.
 * @param shape - the input shape
 * @param perm - the permutation (output axis i takes input axis perm[i])
 * @returns the merged input shape and the permutation over merged axes
 */
export function mergeTransposeAxes(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  // groups of input axes, in output order
  const groups: number[][] = [];
  for (const a of perm) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]! + 1 === a) last.push(a);
    else groups.push([a]);
  }
  const byInput = [...groups].sort((g, h) => g[0]! - h[0]!);
  const mergedShape = byInput.map((g) => g.reduce((n, a) => n * shape[a]!, 1));
  const mergedPerm = groups.map((g) => byInput.indexOf(g));
  return { shape: mergedShape, perm: mergedPerm };
}
