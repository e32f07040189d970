/**
 * Gradients in PyTorch's layout. Today some modules keep a parameter in an internal layout (Conv2d HWIO) and
 * expose `toTorchLayout`; once every parameter is stored in PyTorch's layout (DESIGN.md decision 2) this is
 * the identity and the hook is gone: the fallback below is what remains.
 */
import type * as tf from '@tensorflow/tfjs-core';

interface MaybeLayoutModule {
  toTorchLayout?: (name: string, value: tf.Tensor) => tf.Tensor;
}

/**
 * A gradient of `module`'s own parameter `name` in PyTorch's layout (a new tensor).
 * @param module - the parameter's owner
 * @param name - the parameter's name within its owner
 * @param grad - the gradient in the parameter's storage layout
 */
export function gradInTorchLayout(module: unknown, name: string, grad: tf.Tensor): tf.Tensor {
  const m = module as MaybeLayoutModule;
  return typeof m.toTorchLayout === 'function' ? m.toTorchLayout(name, grad) : grad.clone();
}
