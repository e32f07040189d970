/**
 * Max pooling on PyTorch's NCHW activations (what F.max_pool2d and MaxPool2d take). Where the active backend has
 * twinml's native NCHW kernel (wasm: src/backend/wasm/max-pool-nchw.ts) and the window is the common 2x2, stride
 * 2, unpadded one with floor-sized output, it runs on NCHW with no activation transposes; elsewhere the caller
 * transposes to NHWC for tfjs's pooling kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TWINML_MAX_POOL_2X2_NCHW, TWINML_MAX_POOL_2X2_NCHW_GRAD } from './wasm/max-pool-nchw.js';

/**
 * Whether the active backend pools this window natively on NCHW.
 * @param kernel - [kh, kw]
 * @param stride - [sh, sw]
 * @param padding - [ph, pw]
 * @param inHW - input [H, W]
 * @param outHW - output [Ho, Wo] as PyTorch computes it
 */
export function runsMaxPool2dNCHW(kernel: readonly number[], stride: readonly number[], padding: readonly number[], inHW: readonly number[], outHW: readonly number[]): boolean {
  const is2x2 = [kernel, stride].every((p) => p[0] === 2 && p[1] === 2) && padding[0] === 0 && padding[1] === 0;
  const floorSized = outHW[0] === Math.floor(inHW[0]! / 2) && outHW[1] === Math.floor(inHW[1]! / 2);
  return is2x2 && floorSized && tf.getKernel(TWINML_MAX_POOL_2X2_NCHW, tf.getBackend()) !== undefined;
}

let registered = false;

function registerGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: TWINML_MAX_POOL_2X2_NCHW,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({
      x: () => tf.engine().runKernel(TWINML_MAX_POOL_2X2_NCHW_GRAD, { x: saved[0]!, dy: dy as tf.Tensor }) as tf.Tensor,
    }),
  });
}

/**
 * 2x2 stride-2 max pooling of an NCHW tensor on the native kernel (check `runsMaxPool2dNCHW` first).
 * @param x - [N, C, H, W]
 */
export function maxPool2x2NCHW(x: tf.Tensor4D): tf.Tensor4D {
  registerGradient();
  return tf.engine().runKernel(TWINML_MAX_POOL_2X2_NCHW, { x }) as tf.Tensor4D;
}
