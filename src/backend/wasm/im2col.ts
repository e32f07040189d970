/**
 * Transposed im2col on the wasm heap: the columns a convolution reads, one row per filter tap and input
 * channel. For x [N, H, W, Ci] and a [kh, kw] filter with strides, dilations and explicit pads, row
 * (i, j, c) of the result [kh*kw*Ci, N*Ho*Wo] holds x[n, oh*sh - top + i*dh, ow*sw - left + j*dw, c] for every
 * output position (n, oh, ow), zero where the tap falls into the padding. The filter gradient is then one GEMM:
 * colT · dy[N*Ho*Wo, Co] = dW[(i, j, c), Co].
 */
import type { ConvGeometry } from './conv2d-backprop.js';

/**
 * Fills `out` (length kh*kw*Ci*N*Ho*Wo) with the transposed im2col of NHWC `x`.
 * @param x - the input values, NHWC
 * @param xShape - [N, H, W, Ci]
 * @param kernelHW - [kh, kw]
 * @param outHW - [Ho, Wo], the convolution's output size
 * @param g - strides, dilations and explicit pads
 * @param out - the destination, fully overwritten
 */
export function im2colTransposed(
  x: Float32Array,
  xShape: readonly number[],
  kernelHW: readonly [number, number],
  outHW: readonly [number, number],
  g: ConvGeometry,
  out: Float32Array,
): void {
  const [n, h, w, ci] = xShape as [number, number, number, number];
  const [kh, kw] = kernelHW;
  const [ho, wo] = outHW;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const top = g.pads[0][0];
  const left = g.pads[1][0];
  const rowStride = w * ci;
  const imageStride = h * rowStride;
  // The output columns [owLo, owHi) whose tap lies inside the input for a given filter column j.
  let at = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const w0 = j * dw - left;
      const owLo = Math.min(wo, Math.max(0, Math.ceil(-w0 / sw)));
      const owHi = Math.max(owLo, Math.min(wo, Math.floor((w - 1 - w0) / sw) + 1));
      const colStep = sw * ci;
      for (let c = 0; c < ci; c++) {
        for (let b = 0; b < n; b++) {
          const imageBase = b * imageStride + c;
          for (let oh = 0; oh < ho; oh++) {
            const hIn = oh * sh - top + i * dh;
            if (hIn < 0 || hIn >= h) {
              out.fill(0, at, at + wo);
              at += wo;
              continue;
            }
            let ow = 0;
            for (; ow < owLo; ow++) out[at++] = 0;
            let src = imageBase + hIn * rowStride + (owLo * sw + w0) * ci;
            for (; ow < owHi; ow++, src += colStep) out[at++] = x[src]!;
            for (; ow < wo; ow++) out[at++] = 0;
          }
        }
      }
    }
  }
}
