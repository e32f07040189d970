/**
 * ONNX for the layout modules: Flatten (ONNX Flatten for the default start_dim=1, end_dim=-1, as torch.onnx.export;
 * a Reshape with a symbolic batch otherwise) and Dropout (removed: identity in eval mode).
 */
import { Flatten } from '../../nn/flatten.js';
import { Dropout } from '../../nn/dropout.js';
import { registerModuleEmitter } from '../emitter.js';

registerModuleEmitter(Flatten, {
  emit(ctx) {
    const rank = ctx.inputShapes[0]?.length ?? 0;
    const start = ctx.module.startDim < 0 ? ctx.module.startDim + rank : ctx.module.startDim;
    const end = ctx.module.endDim < 0 ? ctx.module.endDim + rank : ctx.module.endDim;
    if (start === 1 && end === rank - 1) return ctx.node('Flatten', ctx.inputs, { axis: 1 });
    return ctx.reshape(ctx.inputs[0] as string, ctx.outputShape, ctx.inputShapes[0]);
  },
});

registerModuleEmitter(Dropout, {
  unsupported: (m) => (m.training ? 'Dropout in training mode does not export (the exporter switches the model to eval)' : null),
  emit: (ctx) => ctx.inputs[0] as string,
});
