/** ONNX for the elementwise activation modules: ReLU, Sigmoid, Tanh (one node each). */
import { ReLU, Sigmoid, Tanh } from '../../nn/activation.js';
import { registerModuleEmitter } from '../emitter.js';

registerModuleEmitter(ReLU, { emit: (ctx) => ctx.node('Relu', ctx.inputs) });
registerModuleEmitter(Sigmoid, { emit: (ctx) => ctx.node('Sigmoid', ctx.inputs) });
registerModuleEmitter(Tanh, { emit: (ctx) => ctx.node('Tanh', ctx.inputs) });
