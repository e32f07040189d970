/**
 * The LSTM and GRU cell's element-wise part as few kernels. Given one step's input projection `gx` (x W_ih^T + b_ih)
 * and hidden projection `gh` (h W_hh^T + b_hh), `lstmCell` and `gruCell` run the gate activations and the state
 * update as ONE kernel (TwinmlLstmCell / TwinmlGruCell) where the active backend registers it (wasm:
 * src/backend/wasm/recurrent-cells.ts), and its gradient as one kernel too (TwinmlLstmCellGrad / TwinmlGruCellGrad).
 * Elsewhere (cpu, tensorflow, torch) they compose tfjs ops, differentiated by tfjs. Formulas are PyTorch's
 * (LSTM gates i, f, g, o; GRU gates r, z, n with n = tanh(x_n + r * h_n)).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Fused LSTM step. Inputs {gx [B,4H], gh [B,4H], c [B,H]}; outputs [h' [B,H], c' [B,H], saved activations i, f, g, o, tanh(c') [B,5H]]. */
export const LSTM_CELL = 'TwinmlLstmCell';
/** Its gradient. Inputs {dh, dc, c, act}; outputs [d gates [B,4H] (= d gx = d gh), d c [B,H]]. */
export const LSTM_CELL_GRAD = 'TwinmlLstmCellGrad';
/** Fused GRU step. Inputs {gx [B,3H], gh [B,3H], h [B,H]}; outputs [h' [B,H], activated gates r, z, n [B,3H]]. */
export const GRU_CELL = 'TwinmlGruCell';
/** Its gradient. Inputs {dh, h, gh, act}; outputs [d gx [B,3H], d gh [B,3H], direct d h [B,H]]. */
export const GRU_CELL_GRAD = 'TwinmlGruCellGrad';

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/**
 * Whether the active backend runs the fused cell and its gradient as kernels (then a whole direction can run with
 * a written-out backward: src/nn/rnn-fused-direction.ts).
 * @param cell - 'LSTM' or 'GRU'
 */
export function fusedCellAvailable(cell: 'LSTM' | 'GRU'): boolean {
  return cell === 'LSTM' ? hasKernel(LSTM_CELL) && hasKernel(LSTM_CELL_GRAD) : hasKernel(GRU_CELL) && hasKernel(GRU_CELL_GRAD);
}

function checkOperands(cell: string, gx: tf.Tensor, gh: tf.Tensor, state: tf.Tensor, gates: number): void {
  const [b, h] = state.shape as [number, number];
  const ok = state.rank === 2 && gx.rank === 2 && gh.rank === 2 && gx.shape[0] === b && gh.shape[0] === b && gx.shape[1] === gates * h && gh.shape[1] === gates * h;
  if (!ok) {
    throw new Error(`${cell}: expected gx and gh [B, ${gates}*H] and state [B, H], got gx [${gx.shape.join(', ')}], gh [${gh.shape.join(', ')}], state [${state.shape.join(', ')}]`);
  }
}

/**
 * One LSTM step from the two projections: c' = f*c + i*g, h' = o*tanh(c').
 * @param gx - [B, 4H] input projection including b_ih
 * @param gh - [B, 4H] hidden projection including b_hh
 * @param c - [B, H] previous cell state
 * @returns the new hidden and cell states
 */
export function lstmCell(gx: tf.Tensor, gh: tf.Tensor, c: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  checkOperands('lstmCell', gx, gh, c, 4);
  if (hasKernel(LSTM_CELL)) {
    const [h, cNew, act] = tf.engine().runKernel(LSTM_CELL, { gx, gh, c }) as tf.Tensor[];
    act!.dispose();
    return { h: h!, c: cNew! };
  }
  return tf.tidy(() => {
    const [i, f, g, o] = tf.split(tf.add(gx, gh), 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const cNew = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    const h = tf.mul(tf.sigmoid(o), tf.tanh(cNew));
    return { h, c: cNew };
  });
}

/**
 * One GRU step from the two projections: r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r*h_n),
 * h' = (1-z)*n + z*h.
 * @param gx - [B, 3H] input projection including b_ih
 * @param gh - [B, 3H] hidden projection including b_hh
 * @param h - [B, H] previous hidden state
 * @returns the new hidden state
 */
export function gruCell(gx: tf.Tensor, gh: tf.Tensor, h: tf.Tensor): tf.Tensor {
  checkOperands('gruCell', gx, gh, h, 3);
  if (hasKernel(GRU_CELL)) {
    const [hNew, act] = tf.engine().runKernel(GRU_CELL, { gx, gh, h }) as tf.Tensor[];
    act!.dispose();
    return hNew!;
  }
  return tf.tidy(() => {
    const [xr, xz, xn] = tf.split(gx, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [hr, hz, hn] = tf.split(gh, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    // (1 - z) * n + z * h = n + z * (h - n)
    return tf.add(n, tf.mul(z, tf.sub(h, n)));
  });
}

function gradKernel(name: string): void {
  if (!hasKernel(name)) throw new Error(`twinml: backend ${tf.getBackend()} runs the fused recurrent cell but has no ${name} kernel`);
}

/** Registers the gradients of the fused cells (idempotent; the kernels themselves are registered per backend). */
export function registerRecurrentCellGradients(): void {
  tf.registerGradient({
    kernelName: LSTM_CELL,
    inputsToSave: ['c'],
    outputsToSave: [false, false, true],
    gradFunc: (dys, saved) => {
      const [dh, dc] = dys as tf.Tensor[];
      const [c, act] = saved as [tf.Tensor, tf.Tensor];
      gradKernel(LSTM_CELL_GRAD);
      const [dGates, dcPrev] = tf.engine().runKernel(LSTM_CELL_GRAD, { dh: dh!, dc: dc!, c, act }) as [tf.Tensor, tf.Tensor];
      return { gx: () => dGates, gh: () => dGates.clone(), c: () => dcPrev };
    },
  });
  tf.registerGradient({
    kernelName: GRU_CELL,
    inputsToSave: ['h', 'gh'],
    outputsToSave: [false, true],
    gradFunc: (dys, saved) => {
      const [dh] = dys as tf.Tensor[];
      const [h, gh, act] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      gradKernel(GRU_CELL_GRAD);
      const [dgx, dgh, dhPrev] = tf.engine().runKernel(GRU_CELL_GRAD, { dh: dh!, h, gh, act }) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return { gx: () => dgx, gh: () => dgh, h: () => dhPrev };
    },
  });
}
