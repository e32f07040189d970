/**
 * ONNX for nn.LayerNorm: one LayerNormalization over the trailing normalized_shape axes with the module's eps, weight
 * and bias named by state_dict key (ones for the scale without elementwise_affine; no bias input with bias=False).
 * RMSNorm is traced at kernel level (opset 17 has no RMSNormalization).
 */
import { LayerNorm } from '../../nn/normalization.js';
import { registerModuleEmitter } from '../emitter.js';

registerModuleEmitter(LayerNorm, {
  emit(ctx) {
    const m = ctx.module;
    const shape = m.normalizedShape;
    const size = shape.reduce((a, b) => a * b, 1);
    const scale = m.weight ? ctx.parameter('weight') : ctx.float(new Array<number>(size).fill(1), shape);
    const inputs = [ctx.inputs[0] as string, scale, ...(m.bias ? [ctx.parameter('bias')] : [])];
    return ctx.node('LayerNormalization', inputs, { axis: -shape.length, epsilon: { float: m.eps } });
  },
});
