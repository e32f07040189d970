/**
 * ONNX for MaxPool2d, AvgPool2d and AdaptiveAvgPool2d. H and W are fixed by the traced input (only the batch is
 * dynamic), so PyTorch's ceil_mode and divisor rules are written out exactly: explicit asymmetric pads that give
 * PyTorch's output size, and for AvgPool2d a per-window rescale where PyTorch's divisor is not kh*kw.
 */
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, adaptiveMatrix, pooledSize } from '../../nn/pooling.js';
import { registerModuleEmitter } from '../emitter.js';
import type { ModuleEmitContext } from '../emitter.js';
import type { Module } from '../../nn/module.js';

interface Window {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  ceilMode: boolean;
}

/** PyTorch's output size and ONNX pads [top, left, bottom, right] (bottom/right include the ceil_mode overhang). */
function windowPads(ctx: ModuleEmitContext<Module>, w: Window): { out: [number, number]; pads: number[] } {
  const shape = ctx.inputShapes[0] ?? [];
  if (shape.length !== 4) return ctx.fail(`expected an NCHW input, got shape [${shape.join(', ')}]`);
  const size = [shape[2] as number, shape[3] as number];
  const out = [0, 1].map((i) => pooledSize(size[i]!, w.kernelSize[i]!, w.stride[i]!, w.padding[i]!, w.ceilMode)) as [number, number];
  const after = [0, 1].map((i) => Math.max(0, (out[i]! - 1) * w.stride[i]! + w.kernelSize[i]! - size[i]! - w.padding[i]!));
  if (ctx.outputShape[2] !== out[0] || ctx.outputShape[3] !== out[1]) {
    ctx.fail(`pooling geometry gives ${out.join('x')} but the module produced [${ctx.outputShape.join(', ')}]`);
  }
  return { out, pads: [w.padding[0], w.padding[1], after[0] as number, after[1] as number] };
}

registerModuleEmitter(MaxPool2d, {
  emit(ctx) {
    const m = ctx.module;
    const { pads } = windowPads(ctx, m);
    return ctx.node('MaxPool', ctx.inputs, { kernel_shape: [...m.kernelSize], strides: [...m.stride], pads, ceil_mode: 0 });
  },
});

registerModuleEmitter(AvgPool2d, {
  emit(ctx) {
    const m = ctx.module;
    const { out, pads } = windowPads(ctx, m);
    const x = ctx.inputs[0] as string;
    // Zero-pad explicitly, average over full windows, then rescale to PyTorch's divisor per window (as the TS module).
    const padded = pads.some((p) => p > 0) ? ctx.node('Pad', [x, ctx.int64([0, 0, pads[0]!, pads[1]!, 0, 0, pads[2]!, pads[3]!]), ctx.float([0])], { mode: 'constant' }) : x;
    const mean = ctx.node('AveragePool', [padded], { kernel_shape: [...m.kernelSize], strides: [...m.stride] });
    const shape = ctx.inputShapes[0] as number[];
    const full = m.kernelSize[0] * m.kernelSize[1];
    const divisors = m.divisors(shape[2] as number, shape[3] as number, out);
    if (divisors.every((d) => d === full)) return mean;
    return ctx.node('Mul', [mean, ctx.float(Array.from(divisors, (d) => full / d), [1, 1, out[0], out[1]])]);
  },
});

registerModuleEmitter(AdaptiveAvgPool2d, {
  emit(ctx) {
    const shape = ctx.inputShapes[0] ?? [];
    if (shape.length !== 4) return ctx.fail(`expected an NCHW input, got shape [${shape.join(', ')}]`);
    const [h, w] = [shape[2] as number, shape[3] as number];
    const ho = ctx.module.outputSize[0] ?? h;
    const wo = ctx.module.outputSize[1] ?? w;
    const x = ctx.inputs[0] as string;
    if (ho === 1 && wo === 1) return ctx.node('GlobalAveragePool', [x]);
    if (h % ho === 0 && w % wo === 0) {
      const kernel = [h / ho, w / wo];
      return ctx.node('AveragePool', [x], { kernel_shape: kernel, strides: kernel });
    }
    // Uneven windows: x [N,C,H,W] @ Pw^T [W,Wo], then Ph [Ho,H] @ that (the averaging matrices of the TS module).
    const pw = adaptiveMatrix(w, wo);
    const pwT = Array.from({ length: w * wo }, (_, k) => pw[(k % wo) * w + Math.floor(k / wo)] as number);
    const alongW = ctx.node('MatMul', [x, ctx.float(pwT, [w, wo])]);
    return ctx.node('MatMul', [ctx.float(Array.from(adaptiveMatrix(h, ho)), [ho, h]), alongW]);
  },
});
