import * as tf from '@tensorflow/tfjs-core';

/**
 * A trainable tensor, like torch.nn.Parameter. `grad` is filled by `backward()` and read by optimizers.
 * The value may be stored in an internal layout (see Module.toTorchLayout); state_dicts use PyTorch's.
 */
export class Parameter {
  /** The value (a trainable tf.Variable). */
  readonly variable: tf.Variable;
  /** d loss / d value after `backward`, in the parameter's shape; null until then or after zeroGrad(). */
  grad: tf.Tensor | null = null;

  constructor(value: tf.Tensor) {
    this.variable = tf.variable(value, true);
    value.dispose();
  }

  /** The value's shape. */
  get shape(): number[] {
    return this.variable.shape;
  }

  /** Replaces the value (same shape); the given tensor is disposed. */
  assign(value: tf.Tensor): void {
    this.variable.assign(value);
    value.dispose();
  }

  /** Frees and clears `.grad`. */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  /** Frees the value and the gradient. */
  dispose(): void {
    this.zeroGrad();
    this.variable.dispose();
  }
}

/** A non-trainable tensor that belongs to a module's state (running statistics, counters), like register_buffer. */
export class ModuleBuffer {
  /** The current value. */
  value: tf.Tensor;
  /** The dtype the buffer has in PyTorch's state_dict (for example int64 for num_batches_tracked). */
  readonly torchDtype: 'float32' | 'int64';
  /** Saved in the state_dict (register_buffer's `persistent`, default true). */
  readonly persistent: boolean;

  constructor(value: tf.Tensor, options: { torchDtype?: 'float32' | 'int64'; persistent?: boolean } = {}) {
    this.value = tf.keep(value);
    this.torchDtype = options.torchDtype ?? 'float32';
    this.persistent = options.persistent ?? true;
  }

  /** Replaces the value; the old tensor is disposed and the new one kept. */
  set(value: tf.Tensor): void {
    if (value === this.value) return;
    this.value.dispose();
    this.value = tf.keep(value);
  }

  /** Frees the value. */
  dispose(): void {
    this.value.dispose();
  }
}
