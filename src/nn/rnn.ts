/**
 * Mirrors torch.nn.RNN, torch.nn.LSTM and torch.nn.GRU: the same arguments, defaults, parameter names
 * (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `..._reverse`), layouts, gate order (LSTM i, f, g, o;
 * GRU r, z, n) and init. Inputs are [seq, batch, feature] ([batch, seq, feature] with batchFirst) or unbatched
 * [seq, feature]; states are [num_layers * directions, batch, hidden] (never batch-first). `forward(input, hx?)`
 * returns `[output, h_n]` (LSTM: `[output, [h_n, c_n]]`), as in PyTorch. The shared machinery is src/nn/rnn-base.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RNNBase, type RNNBaseOptions } from './rnn-base.js';

export type { RNNBaseOptions, RNNMode } from './rnn-base.js';

/** nn.RNN's keyword arguments. */
export interface RNNOptions extends RNNBaseOptions {
  /** The activation of the recurrence: 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** nn.LSTM's keyword arguments. */
export interface LSTMOptions extends RNNBaseOptions {
  /** PyTorch's LSTM projections; only 0 (none, the default) is supported. */
  projSize?: number;
}

/** nn.GRU's keyword arguments. */
export type GRUOptions = RNNBaseOptions;

/**
 * torch.nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
 * dropout=0.0, bidirectional=False): h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
 */
export class RNN extends RNNBase<[tf.Tensor, tf.Tensor]> {
  readonly nonlinearity: 'tanh' | 'relu';

  /**
   * @param inputSize - features of the input
   * @param hiddenSize - features of the hidden state
   * @param options - numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional
   */
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new Error(`RNN: unknown nonlinearity '${nonlinearity as string}'; choose 'tanh' or 'relu'`);
    }
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /**
   * @param input - [T, B, input_size] ([B, T, input_size] with batchFirst) or unbatched [T, input_size]
   * @param hx - h_0 [num_layers*directions, B, hidden_size] (unbatched: [num_layers*directions, hidden_size]); zeros if absent
   * @returns [output [T, B, directions*hidden_size], h_n]
   */
  forward(input: tf.Tensor, hx?: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const { x, batched } = this.sequenceMajor(input);
    const h0 = this.initialState(hx, x.shape[1], batched, 'hx');
    const { output, hN } = this.runLayers(x, h0, null);
    return [this.callerOrder(output, batched), batched ? hN : tf.squeeze(hN, [1])];
  }
}

/**
 * torch.nn.LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
 * bidirectional=False, proj_size=0). Gates i, f, g, o: c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).
 */
export class LSTM extends RNNBase<[tf.Tensor, [tf.Tensor, tf.Tensor]]> {
  /**
   * @param inputSize - features of the input
   * @param hiddenSize - features of the hidden and cell states
   * @param options - numLayers, bias, batchFirst, dropout, bidirectional, projSize (0 only)
   */
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    if ((options.projSize ?? 0) !== 0) throw new Error(`LSTM: proj_size=${options.projSize} is not supported; only proj_size=0 (no projection)`);
    super('LSTM', inputSize, hiddenSize, options);
  }

  /**
   * @param input - [T, B, input_size] ([B, T, input_size] with batchFirst) or unbatched [T, input_size]
   * @param hx - [h_0, c_0], each [num_layers*directions, B, hidden_size] (unbatched: without B); zeros if absent
   * @returns [output [T, B, directions*hidden_size], [h_n, c_n]]
   */
  forward(input: tf.Tensor, hx?: [tf.Tensor, tf.Tensor]): [tf.Tensor, [tf.Tensor, tf.Tensor]] {
    if (hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw new Error('LSTM: hx must be a pair [h_0, c_0]');
    const { x, batched } = this.sequenceMajor(input);
    const h0 = this.initialState(hx?.[0], x.shape[1], batched, 'h_0');
    const c0 = this.initialState(hx?.[1], x.shape[1], batched, 'c_0');
    const { output, hN, cN } = this.runLayers(x, h0, c0);
    const state = (t: tf.Tensor) => (batched ? t : tf.squeeze(t, [1]));
    return [this.callerOrder(output, batched), [state(hN), state(cN!)]];
  }
}

/**
 * torch.nn.GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
 * bidirectional=False). Gates r, z, n: n = tanh(x W_in^T + b_in + r*(h W_hn^T + b_hn)), h_t = (1-z)*n + z*h_{t-1}.
 */
export class GRU extends RNNBase<[tf.Tensor, tf.Tensor]> {
  /**
   * @param inputSize - features of the input
   * @param hiddenSize - features of the hidden state
   * @param options - numLayers, bias, batchFirst, dropout, bidirectional
   */
  constructor(inputSize: number, hiddenSize: number, options: GRUOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  /**
   * @param input - [T, B, input_size] ([B, T, input_size] with batchFirst) or unbatched [T, input_size]
   * @param hx - h_0 [num_layers*directions, B, hidden_size] (unbatched: [num_layers*directions, hidden_size]); zeros if absent
   * @returns [output [T, B, directions*hidden_size], h_n]
   */
  forward(input: tf.Tensor, hx?: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const { x, batched } = this.sequenceMajor(input);
    const h0 = this.initialState(hx, x.shape[1], batched, 'hx');
    const { output, hN } = this.runLayers(x, h0, null);
    return [this.callerOrder(output, batched), batched ? hN : tf.squeeze(hN, [1])];
  }
}
