/**
 * ONNX for LeakyReLU, GELU (decomposed: opset 17 has no Gelu), Softmax, LogSoftmax (along the module's dim) and
 * Dropout2d (removed: identity in eval mode).
 */
import { GELU, LeakyReLU } from '../../nn/activation-extra.js';
import { LogSoftmax, Softmax } from '../../nn/softmax.js';
import { Dropout2d } from '../../nn/dropout2d.js';
import { registerModuleEmitter } from '../emitter.js';
import type { ModuleEmitContext } from '../emitter.js';

registerModuleEmitter(LeakyReLU, {
  emit: (ctx) => ctx.node('LeakyRelu', ctx.inputs, { alpha: { float: ctx.module.negativeSlope } }),
});

registerModuleEmitter(GELU, {
  emit(ctx) {
    const x = ctx.inputs[0] as string;
    // 'none': x/2 (1 + erf(x / sqrt 2)); 'tanh': x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    const inner =
      ctx.module.approximate === 'none'
        ? ctx.node('Erf', [ctx.node('Mul', [x, ctx.float([Math.SQRT1_2])])])
        : ctx.node('Tanh', [
            ctx.node('Mul', [
              ctx.node('Add', [x, ctx.node('Mul', [ctx.node('Pow', [x, ctx.float([3])]), ctx.float([0.044715])])]),
              ctx.float([Math.sqrt(2 / Math.PI)]),
            ]),
          ]);
    return ctx.node('Mul', [ctx.node('Mul', [x, ctx.float([0.5])]), ctx.node('Add', [inner, ctx.float([1])])]);
  },
});

function axisOf(ctx: ModuleEmitContext<Softmax | LogSoftmax>): number {
  const rank = ctx.inputShapes[0]?.length ?? 0;
  return ctx.module.dim < 0 ? ctx.module.dim + rank : ctx.module.dim;
}

registerModuleEmitter(Softmax, { emit: (ctx) => ctx.node('Softmax', ctx.inputs, { axis: axisOf(ctx) }) });
registerModuleEmitter(LogSoftmax, { emit: (ctx) => ctx.node('LogSoftmax', ctx.inputs, { axis: axisOf(ctx) }) });

registerModuleEmitter(Dropout2d, {
  unsupported: (m) => (m.training ? 'Dropout2d in training mode does not export (the exporter switches the model to eval)' : null),
  emit: (ctx) => ctx.inputs[0] as string,
});
