/**
 * The names of the kernels twinml registers (on some backends), for code outside src/backend that asks the kernel
 * registry whether the active backend has one (`tf.getKernel(name, tf.getBackend())`). Code outside src/backend
 * never imports src/backend/wasm or src/backend/tensorflow directly (test/architecture/boundaries.test.ts).
 */
export { ADAM_UPDATE, SGD_UPDATE } from './wasm/optimizer-kernels.js';
export { SOFTMAX_CROSS_ENTROPY } from './wasm/cross-entropy-kernel.js';
export { TWINML_CONV2D_BACKPROP_FILTER, TWINML_CONV2D_BACKPROP_INPUT } from './wasm/conv2d-backprop.js';
export { FUSED_MATMUL, DENSE_GRAD } from './fused-matmul-grad.js';
export { RELU_BACKWARD } from './relu-backward.js';
