/**
 * Names of twinml's own kernels that code outside src/backend asks the registry for
 * (`tf.getKernel(name, tf.getBackend())`), so that it never imports a backend's implementation.
 */

/** Softmax cross-entropy for class-index targets (src/backend/wasm/cross-entropy-kernel.ts). */
export const SOFTMAX_CROSS_ENTROPY = 'TwinmlSoftmaxCrossEntropy';
