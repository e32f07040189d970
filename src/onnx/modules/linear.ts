/** ONNX for nn.Linear: Gemm(x, W[out,in], b, transB=1) on 2-D inputs (as torch.onnx.export), MatMul + Add otherwise. */
import { Linear } from '../../nn/linear.js';
import { registerModuleEmitter } from '../emitter.js';

registerModuleEmitter(Linear, {
  emit(ctx) {
    const [x] = ctx.inputs as [string];
    const weight = ctx.parameter('weight');
    const bias = ctx.module.bias ? ctx.parameter('bias') : null;
    if ((ctx.inputShapes[0]?.length ?? 0) === 2) return ctx.node('Gemm', bias ? [x, weight, bias] : [x, weight], { transB: 1 });
    const product = ctx.node('MatMul', [x, ctx.node('Transpose', [weight], { perm: [1, 0] })]);
    return bias ? ctx.node('Add', [product, bias]) : product;
  },
});
