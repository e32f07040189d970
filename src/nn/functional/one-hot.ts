/** torch.nn.functional.one_hot. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * torch.nn.functional.one_hot(tensor, num_classes=-1): integer class indices -> a tensor with one more (last)
 * dimension of size num_classes, 1 at the index and 0 elsewhere. int32 (torch returns int64; tfjs has no int64).
 * @param tensor - class indices, any shape, values in [0, num_classes)
 * @param numClasses - the number of classes; -1 (default) uses max(tensor) + 1, as torch does
 */
export function one_hot(tensor: tf.Tensor, numClasses = -1): tf.Tensor {
  if (tensor.dtype === 'float32') {
    const values = tensor.dataSync();
    if (values.some((v) => !Number.isInteger(v))) throw new Error('F.one_hot: the class indices must be integers');
  }
  const indices = Array.from(tensor.dataSync());
  const max = indices.reduce((a, b) => Math.max(a, b), -1);
  const min = indices.reduce((a, b) => Math.min(a, b), 0);
  const classes = numClasses === -1 ? max + 1 : numClasses;
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`F.one_hot: num_classes must be a positive integer or -1, got ${numClasses}`);
  if (min < 0 || max >= classes) throw new Error(`F.one_hot: class values must be in [0, ${classes}), got values in [${min}, ${max}]`);
  return tf.tidy(() => {
    const flat = tf.cast(tf.reshape(tensor, [-1]), 'int32') as tf.Tensor1D;
    return tf.reshape(tf.oneHot(flat, classes, 1, 0, 'int32'), [...tensor.shape, classes]);
  });
}
