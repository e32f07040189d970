/**
 * One direction of an LSTM or GRU layer on a backend with the fused cell kernels (wasm), with its backward written
 * out (tf.customGrad) instead of taped step by step: per step backward is one fused cell-gradient kernel and one
 * matmul (d h_{t-1} = d gates · W_hh), and the W_hh (and GRU b_hh) gradients are ONE product over all steps
 * (d gates_all^T · h_prev_all) instead of a product and an accumulation per step. The math is the same as the
 * taped path in rnn-base.ts (which cpu, tensorflow and torch run); the parity suite checks both.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GRU_CELL, GRU_CELL_GRAD, LSTM_CELL, LSTM_CELL_GRAD } from '../backend/recurrent-cells.js';
import { linear } from './functional/layers.js';

/** What one direction returns: its outputs [T, B, H] in time order and the final states. */
export interface DirectionResult {
  output: tf.Tensor;
  h: tf.Tensor;
  c: tf.Tensor | null;
}

function unstack(x: tf.Tensor): tf.Tensor[] {
  return x.shape[0] === 1 ? [tf.reshape(x, x.shape.slice(1))] : tf.unstack(x);
}

/** Splits the packed value [T + k, B, H] into the outputs and the k final states. */
function unpack(value: tf.Tensor, T: number, states: number): DirectionResult {
  const [, B, H] = value.shape as [number, number, number];
  const output = tf.slice(value, [0, 0, 0], [T, B, H]);
  const state = (i: number) => tf.reshape(tf.slice(value, [T + i, 0, 0], [1, B, H]), [B, H]);
  return { output, h: state(0), c: states === 2 ? state(1) : null };
}

/** [S, B, F] tensors stacked and flattened to [S*B, F]. */
function rows(ts: tf.Tensor[]): tf.Tensor2D {
  const s = tf.stack(ts);
  return tf.reshape(s, [-1, s.shape[2]!]) as tf.Tensor2D;
}

/**
 * The LSTM direction.
 * @param gxAll - [T, B, 4H] input projection of every step (b_ih included)
 * @param wHh - [4H, H]
 * @param bHh - [4H] or null (added per step inside the hidden projection's GEMM; its gradient is one sum)
 * @param h0 - [B, H]
 * @param c0 - [B, H]
 * @param reverse - run from the last step to the first
 */
export function lstmDirectionFused(gxAll: tf.Tensor, wHh: tf.Tensor, bHh: tf.Tensor | null, h0: tf.Tensor, c0: tf.Tensor, reverse: boolean): DirectionResult {
  const T = gxAll.shape[0]!;
  const withBias = bHh !== null;
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const gx = args[0] as tf.Tensor;
    const w = args[1] as tf.Tensor;
    const b = withBias ? (args[2] as tf.Tensor) : null;
    const [hInit, cInit] = args.slice(withBias ? 3 : 2) as [tf.Tensor, tf.Tensor];
    const save = args[withBias ? 5 : 4] as tf.GradSaveFunc;
    const gxs = unstack(gx);
    const hPrev: tf.Tensor[] = [];
    const cPrev: tf.Tensor[] = [];
    const acts: tf.Tensor[] = [];
    const outs = new Array<tf.Tensor>(T);
    let h = hInit;
    let c = cInit;
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      hPrev.push(h);
      cPrev.push(c);
      const gh = linear(h, w, b);
      const [hNew, cNew, act] = tf.engine().runKernel(LSTM_CELL, { gx: gxs[t]!, gh, c }) as tf.Tensor[];
      acts.push(act!);
      h = hNew!;
      c = cNew!;
      outs[t] = h;
    }
    save([...hPrev, ...cPrev, ...acts]);
    const value = tf.concat([tf.stack(outs), tf.expandDims(h, 0), tf.expandDims(c, 0)], 0);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const dOuts = unstack(tf.slice(dy, [0, 0, 0], [T, -1, -1]));
      let dh = tf.squeeze(tf.slice(dy, [T, 0, 0], [1, -1, -1]), [0]);
      let dc = tf.squeeze(tf.slice(dy, [T + 1, 0, 0], [1, -1, -1]), [0]);
      const dGates = new Array<tf.Tensor>(T);
      const dGatesByStep = new Array<tf.Tensor>(T);
      for (let s = T - 1; s >= 0; s--) {
        const t = reverse ? T - 1 - s : s;
        const [dG, dcPrev] = tf.engine().runKernel(LSTM_CELL_GRAD, { dh: tf.add(dh, dOuts[t]!), dc, c: saved[T + s]!, act: saved[2 * T + s]! }) as tf.Tensor[];
        dGates[t] = dG!;
        dGatesByStep[s] = dG!;
        dh = tf.matMul(dG!, w);
        dc = dcPrev!;
      }
      const dG = rows(dGatesByStep);
      const dW = tf.matMul(dG, rows(saved.slice(0, T)), true, false);
      return withBias ? [tf.stack(dGates), dW, tf.sum(dG, 0), dh, dc] : [tf.stack(dGates), dW, dh, dc];
    };
    return { value, gradFunc };
  });
  return unpack(withBias ? run(gxAll, wHh, bHh, h0, c0) : run(gxAll, wHh, h0, c0), T, 2);
}

/**
 * The GRU direction.
 * @param gxAll - [T, B, 3H] input projection of every step (b_ih included)
 * @param wHh - [3H, H]
 * @param bHh - [3H] or null
 * @param h0 - [B, H]
 * @param reverse - run from the last step to the first
 */
export function gruDirectionFused(gxAll: tf.Tensor, wHh: tf.Tensor, bHh: tf.Tensor | null, h0: tf.Tensor, reverse: boolean): DirectionResult {
  const T = gxAll.shape[0]!;
  const withBias = bHh !== null;
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const gx = args[0] as tf.Tensor;
    const w = args[1] as tf.Tensor;
    const b = withBias ? (args[2] as tf.Tensor) : null;
    const hInit = args[withBias ? 3 : 2] as tf.Tensor;
    const save = args[withBias ? 4 : 3] as tf.GradSaveFunc;
    const gxs = unstack(gx);
    const hPrev: tf.Tensor[] = [];
    const ghs: tf.Tensor[] = [];
    const acts: tf.Tensor[] = [];
    const outs = new Array<tf.Tensor>(T);
    let h = hInit;
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      hPrev.push(h);
      const gh = linear(h, w, b);
      ghs.push(gh);
      const [hNew, act] = tf.engine().runKernel(GRU_CELL, { gx: gxs[t]!, gh, h }) as tf.Tensor[];
      acts.push(act!);
      h = hNew!;
      outs[t] = h;
    }
    save([...hPrev, ...ghs, ...acts]);
    const value = tf.concat([tf.stack(outs), tf.expandDims(h, 0)], 0);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const dOuts = unstack(tf.slice(dy, [0, 0, 0], [T, -1, -1]));
      let dh = tf.squeeze(tf.slice(dy, [T, 0, 0], [1, -1, -1]), [0]);
      const dGx = new Array<tf.Tensor>(T);
      const dGhByStep = new Array<tf.Tensor>(T);
      for (let s = T - 1; s >= 0; s--) {
        const t = reverse ? T - 1 - s : s;
        const [dgx, dgh, dhDirect] = tf.engine().runKernel(GRU_CELL_GRAD, { dh: tf.add(dh, dOuts[t]!), h: saved[s]!, gh: saved[T + s]!, act: saved[2 * T + s]! }) as tf.Tensor[];
        dGx[t] = dgx!;
        dGhByStep[s] = dgh!;
        dh = tf.add(dhDirect!, tf.matMul(dgh!, w));
      }
      const dGh = rows(dGhByStep);
      const dW = tf.matMul(dGh, rows(saved.slice(0, T)), true, false);
      return withBias ? [tf.stack(dGx), dW, tf.sum(dGh, 0), dh] : [tf.stack(dGx), dW, dh];
    };
    return { value, gradFunc };
  });
  const value = withBias ? run(gxAll, wHh, bHh, h0) : run(gxAll, wHh, h0);
  return unpack(value, T, 1);
}
