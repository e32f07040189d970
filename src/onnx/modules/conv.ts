/**
 * ONNX for nn.Conv2d: one Conv node on NCHW input (the TS module computes in NHWC internally; the graph does not),
 * weight [out, in/groups, kh, kw] named by its state_dict key, pads [top, left, bottom, right] as PyTorch applies them.
 */
import { Conv2d } from '../../nn/conv.js';
import { registerModuleEmitter } from '../emitter.js';

registerModuleEmitter(Conv2d, {
  emit(ctx) {
    const m = ctx.module;
    const [[top, bottom], [left, right]] = m.pads;
    const weight = ctx.parameter('weight');
    const inputs = [ctx.inputs[0] as string, weight, ...(m.bias ? [ctx.parameter('bias')] : [])];
    return ctx.node('Conv', inputs, {
      kernel_shape: [...m.kernelSize],
      strides: [...m.stride],
      dilations: [...m.dilation],
      pads: [top, left, bottom, right],
      group: m.groups,
    });
  },
});
