/**
 * Mirrors torch.nn.RNNBase: the parameters, argument checks and the multi-layer, optionally bidirectional run
 * shared by nn.RNN, nn.LSTM and nn.GRU (src/nn/rnn.ts). Parameters are PyTorch's, in PyTorch's order and layout:
 * per layer k and direction, `weight_ih_l{k}[_reverse]` [gates*hidden, in], `weight_hh_l{k}[_reverse]`
 * [gates*hidden, hidden], `bias_ih_l{k}[_reverse]` and `bias_hh_l{k}[_reverse]` [gates*hidden], all initialised
 * uniform(-1/sqrt(hidden), 1/sqrt(hidden)) from the seeded generator.
 *
 * Speed: the input projection of a whole sequence is one matmul per layer and direction (x W_ih^T + b_ih for all
 * time steps at once); each step then runs one matmul for the hidden projection and the fused cell kernel
 * (src/backend/recurrent-cells.ts) for the gates and the state update. Where the backend has the fused cells
 * (wasm) a direction runs with a written-out backward (src/nn/rnn-fused-direction.ts); elsewhere tfjs tapes it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type ModuleOutput } from './module.js';
import { Parameter } from './parameter.js';
import { uniform } from './init.js';
import { linear } from './functional/layers.js';
import { bernoulliKeepMask } from './dropout.js';
import { pyBool, pyFloat } from './python-repr.js';
import { fusedCellAvailable, gruCell, lstmCell } from '../backend/recurrent-cells.js';
import { gruDirectionFused, lstmDirectionFused } from './rnn-fused-direction.js';

/** torch's RNN modes: the cell each layer runs. */
export type RNNMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** The keyword arguments nn.RNN, nn.LSTM and nn.GRU share (PyTorch's defaults). */
export interface RNNBaseOptions {
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Adds b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature] (default false; h_n is never batch-first). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Adds a reverse direction per layer; outputs concatenate [forward, reverse] (default false). */
  bidirectional?: boolean;
}

/** The weights of one layer and direction. */
interface CellWeights {
  wIh: tf.Tensor;
  wHh: tf.Tensor;
  bIh: tf.Tensor | null;
  bHh: tf.Tensor | null;
}

const GATES: Record<RNNMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/**
 * tf.unstack along axis 0, except that one slice is a reshape: tfjs's Unpack gradient fails for a single output
 * (it receives a tensor where it expects an array).
 */
function unstack(x: tf.Tensor): tf.Tensor[] {
  return x.shape[0] === 1 ? [tf.reshape(x, x.shape.slice(1))] : tf.unstack(x);
}

function positiveInt(value: number, what: string, module: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${module}: ${what} must be a positive integer, got ${value}`);
  return value;
}

/** The shared base of RNN, LSTM and GRU (torch.nn.RNNBase). */
export abstract class RNNBase<Out extends ModuleOutput> extends Module<Out> {
  readonly mode: RNNMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** PyTorch's proj_size; only 0 is supported. */
  readonly projSize = 0;
  /** Replaces the dropout masks between layers (tests inject PyTorch's). */
  maskSource: ((shape: number[], p: number) => Float32Array) | null = null;

  /**
   * @param mode - the cell: 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'
   * @param inputSize - features of the input
   * @param hiddenSize - features of the hidden state
   * @param options - numLayers, bias, batchFirst, dropout, bidirectional
   */
  constructor(mode: RNNMode, inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super();
    const name = mode.startsWith('RNN') ? 'RNN' : mode;
    this.mode = mode;
    this.inputSize = positiveInt(inputSize, 'input_size', name);
    this.hiddenSize = positiveInt(hiddenSize, 'hidden_size', name);
    this.numLayers = positiveInt(options.numLayers ?? 1, 'num_layers', name);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.bidirectional = options.bidirectional ?? false;
    const dropout = options.dropout ?? 0;
    if (!(typeof dropout === 'number' && dropout >= 0 && dropout <= 1)) {
      throw new Error(`${name}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${dropout}`);
    }
    this.dropout = dropout;
    const gateSize = GATES[mode] * hiddenSize;
    const stdv = 1 / Math.sqrt(hiddenSize);
    const params = this as unknown as Record<string, Parameter | null>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : hiddenSize * this.directions;
      for (const suffix of this.suffixes(layer)) {
        params[`weight_ih${suffix}`] = new Parameter(uniform([gateSize, layerInput], stdv));
        params[`weight_hh${suffix}`] = new Parameter(uniform([gateSize, hiddenSize], stdv));
        if (this.bias) {
          params[`bias_ih${suffix}`] = new Parameter(uniform([gateSize], stdv));
          params[`bias_hh${suffix}`] = new Parameter(uniform([gateSize], stdv));
        }
      }
    }
  }

  /** 2 when bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The parameter name suffixes of a layer: `_l{k}` and, when bidirectional, `_l{k}_reverse`. */
  private suffixes(layer: number): string[] {
    return this.bidirectional ? [`_l${layer}`, `_l${layer}_reverse`] : [`_l${layer}`];
  }

  private weights(suffix: string): CellWeights {
    const params = this as unknown as Record<string, Parameter | undefined>;
    const get = (name: string): tf.Tensor | null => params[`${name}${suffix}`]?.variable ?? null;
    return { wIh: get('weight_ih')!, wHh: get('weight_hh')!, bIh: get('bias_ih'), bHh: get('bias_hh') };
  }

  /** The module's name in messages ('RNN', 'LSTM' or 'GRU'). */
  protected get label(): string {
    return this.mode.startsWith('RNN') ? 'RNN' : this.mode;
  }

  /**
   * Checks the input and puts it in [seq, batch, feature] order.
   * @returns the input as [T, B, I] and whether it was unbatched
   */
  protected sequenceMajor(input: tf.Tensor): { x: tf.Tensor3D; batched: boolean } {
    if ((input.rank !== 2 && input.rank !== 3) || input.shape[input.rank - 1] !== this.inputSize) {
      throw new Error(
        `${this.label}: expected a 2-D (unbatched) or 3-D (batched) input with ${this.inputSize} features in the last dimension, got shape [${input.shape.join(', ')}]`,
      );
    }
    if (input.rank === 2) return { x: tf.expandDims(input, 1) as tf.Tensor3D, batched: false };
    return { x: (this.batchFirst ? tf.transpose(input, [1, 0, 2]) : input) as tf.Tensor3D, batched: true };
  }

  /**
   * The initial state as [layers*directions, B, H]: zeros when absent, else checked (and given a batch axis when
   * the input is unbatched).
   */
  protected initialState(state: tf.Tensor | undefined, batch: number, batched: boolean, what: string): tf.Tensor3D {
    const want: [number, number, number] = [this.numLayers * this.directions, batch, this.hiddenSize];
    if (state === undefined) return tf.zeros(want) as tf.Tensor3D;
    const expected = batched ? want : [want[0]!, want[2]!];
    if (state.rank !== expected.length || state.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`${this.label}: expected ${what} of shape [${expected.join(', ')}], got [${state.shape.join(', ')}]`);
    }
    return (batched ? state : tf.expandDims(state, 1)) as tf.Tensor3D;
  }

  /** Puts the output back in the caller's order ([B, T, F] when batch_first; [T, F] when unbatched). */
  protected callerOrder(output: tf.Tensor3D, batched: boolean): tf.Tensor {
    if (!batched) return tf.squeeze(output, [1]);
    return this.batchFirst ? tf.transpose(output, [1, 0, 2]) : output;
  }

  /**
   * Runs every layer and direction.
   * @param x - [T, B, I]
   * @param h0 - [L*D, B, H]
   * @param c0 - [L*D, B, H] (LSTM only)
   * @returns the last layer's output [T, B, D*H], h_n and (LSTM) c_n, both [L*D, B, H]
   */
  protected runLayers(x: tf.Tensor3D, h0: tf.Tensor3D, c0: tf.Tensor3D | null): { output: tf.Tensor3D; hN: tf.Tensor3D; cN: tf.Tensor3D | null } {
    const h0s = unstack(h0);
    const c0s = c0 ? unstack(c0) : null;
    const hN: tf.Tensor[] = [];
    const cN: tf.Tensor[] = [];
    let layerInput: tf.Tensor3D = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: tf.Tensor[] = [];
      this.suffixes(layer).forEach((suffix, direction) => {
        const index = layer * this.directions + direction;
        const run = this.runDirection(layerInput, this.weights(suffix), h0s[index]!, c0s ? c0s[index]! : null, direction === 1);
        outputs.push(run.output);
        hN.push(run.h);
        if (run.c) cN.push(run.c);
      });
      let output = (outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 2)) as tf.Tensor3D;
      if (this.training && this.dropout > 0 && layer < this.numLayers - 1) output = this.dropoutBetweenLayers(output);
      layerInput = output;
    }
    return { output: layerInput, hN: tf.stack(hN) as tf.Tensor3D, cN: c0 ? (tf.stack(cN) as tf.Tensor3D) : null };
  }

  private dropoutBetweenLayers(x: tf.Tensor3D): tf.Tensor3D {
    if (this.dropout === 1) return tf.zerosLike(x);
    const mask = (this.maskSource ?? bernoulliKeepMask)(x.shape, this.dropout);
    return tf.mul(x, tf.mul(tf.tensor(mask, x.shape, 'float32'), 1 / (1 - this.dropout))) as tf.Tensor3D;
  }

  /**
   * One direction of one layer over the whole sequence.
   * @param x - [T, B, in]
   * @param w - this direction's weights
   * @param h0 - [B, H]
   * @param c0 - [B, H] (LSTM) or null
   * @param reverse - run from the last step to the first
   */
  private runDirection(x: tf.Tensor3D, w: CellWeights, h0: tf.Tensor, c0: tf.Tensor | null, reverse: boolean): { output: tf.Tensor; h: tf.Tensor; c: tf.Tensor | null } {
    const [T, B, inFeatures] = x.shape;
    // Except in GRU (whose b_hn sits inside r * (h W_hn^T + b_hn)), b_hh joins b_ih in the input projection, so each
    // step's hidden projection is a bare matmul and both bias gradients come from one sum over all steps.
    // (The fused LSTM path keeps b_hh in the per-step GEMM instead, where the bias add is free on wasm.)
    const fusedLstm = this.mode === 'LSTM' && fusedCellAvailable('LSTM');
    const foldBias = this.mode !== 'GRU' && !fusedLstm && w.bHh !== null;
    const inputBias = foldBias ? tf.add(w.bIh!, w.bHh!) : w.bIh;
    const stepBias = foldBias ? null : w.bHh;
    // The input projection of every step at once: one [T*B, in] x [in, gates*H] product.
    const gxAll = linear(tf.reshape(x, [T * B, inFeatures]), w.wIh, inputBias);
    const gxSeq = tf.reshape(gxAll, [T, B, w.wIh.shape[0]!]);
    // Where the backend has the fused cells, the whole direction runs with a written-out backward.
    if (fusedLstm) return lstmDirectionFused(gxSeq, w.wHh, stepBias, h0, c0!, reverse);
    if (this.mode === 'GRU' && fusedCellAvailable('GRU')) return gruDirectionFused(gxSeq, w.wHh, stepBias, h0, reverse);
    const gxs = unstack(gxSeq);
    const outputs: tf.Tensor[] = new Array<tf.Tensor>(T);
    let h = h0;
    let c = c0;
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const gh = linear(h, w.wHh, stepBias);
      if (this.mode === 'LSTM') {
        const next = lstmCell(gxs[t]!, gh, c!);
        h = next.h;
        c = next.c;
      } else if (this.mode === 'GRU') {
        h = gruCell(gxs[t]!, gh, h);
      } else {
        const pre = tf.add(gxs[t]!, gh);
        h = this.mode === 'RNN_TANH' ? tf.tanh(pre) : tf.relu(pre);
      }
      outputs[t] = h;
    }
    return { output: tf.stack(outputs), h, c };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}
