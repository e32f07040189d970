/**
 * Mirrors torch.nn.TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder and TransformerDecoder:
 * the same children (self_attn, multihead_attn, linear1, dropout, linear2, norm1..3, dropout1..3; `layers.0...`),
 * arguments, defaults (dim_feedforward 2048, dropout 0.1, relu, layer_norm_eps 1e-5, post-norm) and forward
 * semantics (masks as in MultiheadAttention: bool true = masked out, float added).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type AnyModule } from './module.js';
import { Linear } from './linear.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './normalization.js';
import { ModuleList } from './containers.js';
import { MultiheadAttention } from './multihead-attention.js';
import { gelu } from './functional/activations.js';
import { relu } from './functional/layers.js';

/** An activation: torch's names 'relu' | 'gelu', a function of a tensor, or a module (registered as child `activation`). */
export type TransformerActivation = 'relu' | 'gelu' | ((x: tf.Tensor) => tf.Tensor) | Module;

/** Options of the transformer layers (torch's keyword arguments, camelCase). */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability everywhere (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default 'relu'). */
  activation?: TransformerActivation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** [batch, seq, feature] inputs (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
  /** LayerNorm before each block instead of after (default false). */
  normFirst?: boolean;
  /** Biases in the Linear and LayerNorm layers (default true). */
  bias?: boolean;
}

/** Options of {@link TransformerEncoderLayer.forward}. */
export interface EncoderLayerForwardOptions {
  /** torch's src_mask: [S, S] or [N·nhead, S, S]. */
  srcMask?: tf.Tensor | null;
  /** Shape (N, S); true marks padding. */
  srcKeyPaddingMask?: tf.Tensor | null;
  /** Hint that srcMask is causal. */
  isCausal?: boolean;
}

/** Options of {@link TransformerDecoderLayer.forward}. */
export interface DecoderLayerForwardOptions {
  tgtMask?: tf.Tensor | null;
  memoryMask?: tf.Tensor | null;
  tgtKeyPaddingMask?: tf.Tensor | null;
  memoryKeyPaddingMask?: tf.Tensor | null;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

interface ResolvedOptions {
  dimFeedforward: number;
  dropout: number;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  bias: boolean;
}

function resolve(what: string, dModel: number, nhead: number, o: TransformerLayerOptions): ResolvedOptions {
  if (!Number.isInteger(dModel) || dModel < 1 || !Number.isInteger(nhead) || nhead < 1) throw new Error(`${what}: d_model and nhead must be positive integers, got ${dModel}, ${nhead}`);
  const r = {
    dimFeedforward: o.dimFeedforward ?? 2048,
    dropout: o.dropout ?? 0.1,
    layerNormEps: o.layerNormEps ?? 1e-5,
    batchFirst: o.batchFirst ?? false,
    normFirst: o.normFirst ?? false,
    bias: o.bias ?? true,
  };
  if (!Number.isInteger(r.dimFeedforward) || r.dimFeedforward < 1) throw new Error(`${what}: dim_feedforward must be a positive integer, got ${r.dimFeedforward}`);
  const act = o.activation ?? 'relu';
  if (typeof act === 'string' && act !== 'relu' && act !== 'gelu') throw new Error(`${what}: activation should be relu/gelu, not ${act as string}`);
  return r;
}

function activationFunction(act: TransformerActivation): (x: tf.Tensor) => tf.Tensor {
  if (act === 'relu') return relu;
  if (act === 'gelu') return (x) => gelu(x);
  if (act instanceof Module) return (x) => act.call(x) as tf.Tensor;
  return act;
}

/** torch.nn.TransformerEncoderLayer: self-attention and feed-forward blocks with residuals and LayerNorms. */
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  /** The activation as given (private: a module here would otherwise be discovered as a second child). */
  readonly #activationSpec: TransformerActivation;
  readonly config: ResolvedOptions;
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  /** The activation module when one was given (torch registers it as a child); otherwise absent. */
  activation?: Module;
  readonly #activate: (x: tf.Tensor) => tf.Tensor;

  /**
   * @param dModel - model width
   * @param nhead - attention heads
   * @param options - dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias
   */
  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const o = resolve('TransformerEncoderLayer', dModel, nhead, options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.config = o;
    this.#activationSpec = options.activation ?? 'relu';
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, bias: o.bias, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias: o.bias });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias: o.bias });
    this.normFirst = o.normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    if (this.#activationSpec instanceof Module) this.activation = this.#activationSpec;
    this.#activate = activationFunction(this.#activationSpec);
  }

  private saBlock(x: tf.Tensor, o: EncoderLayerForwardOptions): tf.Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask: o.srcMask ?? null, keyPaddingMask: o.srcKeyPaddingMask ?? null, needWeights: false, isCausal: o.isCausal ?? false });
    return this.dropout1.call(y!);
  }

  private ffBlock(x: tf.Tensor): tf.Tensor {
    return this.dropout2.call(this.linear2.call(this.dropout.call(this.#activate(this.linear1.call(x)))));
  }

  /**
   * @param src - [S, N, E] ([N, S, E] with batchFirst; [S, E] unbatched)
   * @param options - srcMask, srcKeyPaddingMask, isCausal
   */
  forward(src: tf.Tensor, options: EncoderLayerForwardOptions = {}): tf.Tensor {
    let x = src;
    if (this.normFirst) {
      x = tf.add(x, this.saBlock(this.norm1.call(x), options));
      return tf.add(x, this.ffBlock(this.norm2.call(x)));
    }
    x = this.norm1.call(tf.add(x, this.saBlock(x, options)));
    return this.norm2.call(tf.add(x, this.ffBlock(x)));
  }

  /** A new layer with the same arguments and a copy of this layer's weights (torch's copy.deepcopy). */
  copy(): TransformerEncoderLayer {
    const layer = new TransformerEncoderLayer(this.dModel, this.nhead, { ...this.config, activation: this.#activationSpec });
    layer.loadStateDict(this.stateDict());
    layer.train(this.training);
    return layer;
  }
}

/** torch.nn.TransformerDecoderLayer: self-attention, cross-attention over `memory`, and feed-forward. */
export class TransformerDecoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  /** The activation as given (private: a module here would otherwise be discovered as a second child). */
  readonly #activationSpec: TransformerActivation;
  readonly config: ResolvedOptions;
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  /** The activation module when one was given (torch registers it as a child); otherwise absent. */
  activation?: Module;
  readonly #activate: (x: tf.Tensor) => tf.Tensor;

  /**
   * @param dModel - model width
   * @param nhead - attention heads
   * @param options - dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias
   */
  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const o = resolve('TransformerDecoderLayer', dModel, nhead, options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.config = o;
    this.#activationSpec = options.activation ?? 'relu';
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, bias: o.bias, batchFirst: o.batchFirst });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, bias: o.bias, batchFirst: o.batchFirst });
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias: o.bias });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias: o.bias });
    this.normFirst = o.normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias });
    this.norm3 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
    if (this.#activationSpec instanceof Module) this.activation = this.#activationSpec;
    this.#activate = activationFunction(this.#activationSpec);
  }

  private saBlock(x: tf.Tensor, o: DecoderLayerForwardOptions): tf.Tensor {
    const [y] = this.self_attn.call(x, x, x, { attnMask: o.tgtMask ?? null, keyPaddingMask: o.tgtKeyPaddingMask ?? null, needWeights: false, isCausal: o.tgtIsCausal ?? false });
    return this.dropout1.call(y!);
  }

  private mhaBlock(x: tf.Tensor, memory: tf.Tensor, o: DecoderLayerForwardOptions): tf.Tensor {
    const [y] = this.multihead_attn.call(x, memory, memory, { attnMask: o.memoryMask ?? null, keyPaddingMask: o.memoryKeyPaddingMask ?? null, needWeights: false, isCausal: o.memoryIsCausal ?? false });
    return this.dropout2.call(y!);
  }

  private ffBlock(x: tf.Tensor): tf.Tensor {
    return this.dropout3.call(this.linear2.call(this.dropout.call(this.#activate(this.linear1.call(x)))));
  }

  /**
   * @param tgt - [T, N, E] ([N, T, E] with batchFirst)
   * @param memory - [S, N, E] (the encoder's output)
   * @param options - tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal
   */
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: DecoderLayerForwardOptions = {}): tf.Tensor {
    let x = tgt;
    if (this.normFirst) {
      x = tf.add(x, this.saBlock(this.norm1.call(x), options));
      x = tf.add(x, this.mhaBlock(this.norm2.call(x), memory, options));
      return tf.add(x, this.ffBlock(this.norm3.call(x)));
    }
    x = this.norm1.call(tf.add(x, this.saBlock(x, options)));
    x = this.norm2.call(tf.add(x, this.mhaBlock(x, memory, options)));
    return this.norm3.call(tf.add(x, this.ffBlock(x)));
  }

  /** A new layer with the same arguments and a copy of this layer's weights (torch's copy.deepcopy). */
  copy(): TransformerDecoderLayer {
    const layer = new TransformerDecoderLayer(this.dModel, this.nhead, { ...this.config, activation: this.#activationSpec });
    layer.loadStateDict(this.stateDict());
    layer.train(this.training);
    return layer;
  }
}

/** Options of {@link TransformerEncoder} / {@link TransformerDecoder}. */
export interface TransformerStackOptions {
  /** A final normalisation (torch's `norm`, e.g. a LayerNorm); registered as child `norm`. */
  norm?: Module | null;
}

/** Options of {@link TransformerEncoder.forward}. */
export interface EncoderForwardOptions {
  /** torch's mask: [S, S] or [N·nhead, S, S]. */
  mask?: tf.Tensor | null;
  /** Shape (N, S); true marks padding. */
  srcKeyPaddingMask?: tf.Tensor | null;
  /** Hint that mask is causal. */
  isCausal?: boolean;
}

function checkLayers(what: string, numLayers: number): void {
  if (!Number.isInteger(numLayers) || numLayers < 1) throw new Error(`${what}: num_layers must be a positive integer, got ${numLayers}`);
}

/**
 * torch.nn.TransformerEncoder(encoder_layer, num_layers, norm=None): `num_layers` copies of `encoder_layer` (the
 * same initial weights, as torch's deepcopy) in `layers`, then `norm`. The given layer is copied, not kept:
 * dispose it when it is no longer needed.
 */
export class TransformerEncoder extends Module {
  readonly numLayers: number;
  layers: ModuleList;
  norm: Module | null;

  /**
   * @param encoderLayer - the layer to copy
   * @param numLayers - how many copies
   * @param options - norm
   */
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: TransformerStackOptions = {}) {
    super();
    checkLayers('TransformerEncoder', numLayers);
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.copy() as AnyModule));
    this.norm = options.norm ?? null;
  }

  /**
   * @param src - [S, N, E] ([N, S, E] with batch-first layers)
   * @param options - mask, srcKeyPaddingMask, isCausal
   */
  forward(src: tf.Tensor, options: EncoderForwardOptions = {}): tf.Tensor {
    let x = src;
    for (const layer of this.layers) {
      x = (layer as TransformerEncoderLayer).call(x, { srcMask: options.mask ?? null, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null, isCausal: options.isCausal ?? false });
    }
    return this.norm ? (this.norm.call(x) as tf.Tensor) : x;
  }
}

/** torch.nn.TransformerDecoder(decoder_layer, num_layers, norm=None): copies of the layer, then `norm`. */
export class TransformerDecoder extends Module {
  readonly numLayers: number;
  layers: ModuleList;
  norm: Module | null;

  /**
   * @param decoderLayer - the layer to copy
   * @param numLayers - how many copies
   * @param options - norm
   */
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: TransformerStackOptions = {}) {
    super();
    checkLayers('TransformerDecoder', numLayers);
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.copy() as AnyModule));
    this.norm = options.norm ?? null;
  }

  /**
   * @param tgt - [T, N, E] ([N, T, E] with batch-first layers)
   * @param memory - [S, N, E]
   * @param options - tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal
   */
  forward(tgt: tf.Tensor, memory: tf.Tensor, options: DecoderLayerForwardOptions = {}): tf.Tensor {
    let x = tgt;
    for (const layer of this.layers) x = (layer as TransformerDecoderLayer).call(x, memory, options);
    return this.norm ? (this.norm.call(x) as tf.Tensor) : x;
  }
}
