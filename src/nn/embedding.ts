/**
 * Mirrors torch.nn.Embedding(num_embeddings, embedding_dim, padding_idx=None): a lookup table, weight
 * [num_embeddings, embedding_dim] initialised normal(0, 1) from twinml's seeded generator. With `paddingIdx`, that
 * row starts at zero and never receives a gradient (PyTorch's rule; its value is still returned). Input: int32
 * indices of any shape; output: input.shape + [embedding_dim]. The weight can be shared with a Linear head
 * (`head.weight.dispose(); head.weight = emb.weight`, GPT's tied lm_head: free the replaced Parameter first, tensors
 * are not garbage-collected): one Parameter, listed once by `parameters()`, under both keys in `stateDict()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { getDefaultGenerator } from './generator.js';

export interface EmbeddingOptions {
  /** The row that is zero at init and gets no gradient (negative counts from the end, as in PyTorch). */
  paddingIdx?: number | null;
}

/** Normal(0, 1) values from twinml's seeded generator. */
function standardNormal(shape: [number, number]): tf.Tensor {
  const rng = getDefaultGenerator();
  const values = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  return tf.tensor2d(values, shape, 'float32');
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Parameter;

  /**
   * @param numEmbeddings - size of the table
   * @param embeddingDim - size of each vector
   * @param options - paddingIdx
   */
  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    if (!Number.isInteger(numEmbeddings) || numEmbeddings < 1 || !Number.isInteger(embeddingDim) || embeddingDim < 1) {
      throw new Error(`Embedding: num_embeddings and embedding_dim must be positive integers, got ${numEmbeddings}, ${embeddingDim}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = options.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings)) {
      throw new Error(`Embedding: padding_idx must be within num_embeddings (${numEmbeddings}), got ${pad}`);
    }
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    let w = standardNormal([numEmbeddings, embeddingDim]);
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      w = tf.tidy(() => {
        const keep = tf.tensor2d(Float32Array.from({ length: numEmbeddings }, (_, i) => (i === row ? 0 : 1)), [numEmbeddings, 1]);
        const zeroed = tf.mul(w, keep);
        w.dispose();
        return zeroed;
      });
    }
    this.weight = new Parameter(w);
  }

  /**
   * @param indices - int32 indices in [0, num_embeddings), any shape
   * @returns [...indices.shape, embedding_dim]
   */
  forward(indices: tf.Tensor): tf.Tensor {
    if (indices.dtype !== 'int32') throw new Error(`Embedding: expected int32 indices, got ${indices.dtype} of shape [${indices.shape.join(', ')}]`);
    const num = this.numEmbeddings;
    const dim = this.embeddingDim;
    const pad = this.paddingIdx;
    const flat = tf.reshape(indices, [-1]) as tf.Tensor1D;
    try {
      // One read of the indices (int32) instead of two reductions and two reads.
      let min = 0;
      let max = 0;
      if (flat.size > 0) {
        const ids = flat.dataSync() as Int32Array;
        min = ids[0]!;
        max = ids[0]!;
        for (let i = 1; i < ids.length; i++) {
          const v = ids[i]!;
          if (v < min) min = v;
          else if (v > max) max = v;
        }
      }
      if (min < 0 || max >= num) throw new Error(`Embedding: index out of range: indices must be in [0, ${num}), got values in [${min}, ${max}]`);
      // The gradient is a scatter-add of dy's rows into the table (no row for padding_idx), like PyTorch's.
      const lookup = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const [weight, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
        save([flat]);
        const value = tf.gather(weight, flat);
        const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const idx = saved[0] as tf.Tensor1D;
          const rows = pad === null ? dy : tf.mul(dy, tf.reshape(tf.cast(tf.notEqual(idx, pad), 'float32'), [-1, 1]));
          return tf.unsortedSegmentSum(rows, idx, num);
        };
        return { value, gradFunc };
      }) as Parameters<typeof tf.customGrad>[0]);
      return tf.tidy(() => tf.reshape(lookup(this.weight.variable), [...indices.shape, dim]));
    } finally {
      flat.dispose();
    }
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
