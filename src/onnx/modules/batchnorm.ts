/**
 * ONNX for BatchNorm2d. Eval with running statistics (the normal case): BatchNormalization with the module's real
 * epsilon and its weight, bias, running_mean, running_var named by state_dict key. Without running statistics
 * (track_running_stats=False) PyTorch normalises with the batch's statistics even in eval; that is written out.
 */
import { BatchNorm2d } from '../../nn/batchnorm.js';
import { registerModuleEmitter } from '../emitter.js';

registerModuleEmitter(BatchNorm2d, {
  emit(ctx) {
    const m = ctx.module;
    const x = ctx.inputs[0] as string;
    const rank = ctx.inputShapes[0]?.length ?? 0;
    if (rank !== 4) return ctx.fail(`expected an NCHW input, got rank ${rank}`);
    const c = m.numFeatures;
    const scale = m.weight ? ctx.parameter('weight') : ctx.float(new Array<number>(c).fill(1), [c]);
    const bias = m.bias ? ctx.parameter('bias') : ctx.float(new Array<number>(c).fill(0), [c]);
    if (m.running_mean && m.running_var) {
      return ctx.node('BatchNormalization', [x, scale, bias, ctx.buffer('running_mean'), ctx.buffer('running_var')], { epsilon: { float: m.eps } });
    }
    const axes = [0, 2, 3];
    const mean = ctx.node('ReduceMean', [x], { axes, keepdims: 1 });
    const centered = ctx.node('Sub', [x, mean]);
    const variance = ctx.node('ReduceMean', [ctx.node('Mul', [centered, centered])], { axes, keepdims: 1 });
    const normalised = ctx.node('Div', [centered, ctx.node('Sqrt', [ctx.node('Add', [variance, ctx.float([m.eps])])])]);
    const perChannel = ctx.int64([1, c, 1, 1]);
    const scaled = ctx.node('Mul', [normalised, ctx.node('Reshape', [scale, perChannel])]);
    return ctx.node('Add', [scaled, ctx.node('Reshape', [bias, perChannel])]);
  },
});
