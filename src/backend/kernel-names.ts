/**
 * The names of the kernels twinml registers (on some backends), for code outside src/backend that asks the kernel
 * registry whether the active backend has one (`tf.getKernel(name, tf.getBackend())`). Code outside src/backend
 * never imports src/backend/wasm or src/backend/tensorflow directly (test/architecture/boundaries.test.ts).
 */
export { ADAM_UPDATE, SGD_UPDATE } from './wasm/optimizer-kernels.js';
/** Softmax cross-entropy for class-index targets (src/backend/wasm/cross-entropy-kernel.ts). */
export const SOFTMAX_CROSS_ENTROPY = 'TwinmlSoftmaxCrossEntropy';
export { TWINML_CONV2D_BACKPROP_FILTER, TWINML_CONV2D_BACKPROP_INPUT } from './wasm/conv2d-backprop.js';
export { FUSED_MATMUL, DENSE_GRAD } from './fused-matmul-grad.js';
export { RELU_BACKWARD } from './relu-backward.js';
export { SOFTMAX_BACKWARD, LAYER_NORM, LAYER_NORM_BACKWARD } from './sequence-kernels.js';
