/**
 * The LSTM and GRU cell element-wise math on row-major float32 arrays, shared by the fused kernels
 * (src/backend/wasm/recurrent-cells.ts runs it on the wasm heap). Gate order and formulas are torch.nn.LSTM's
 * (i, f, g, o) and torch.nn.GRU's (r, z, n with n = tanh(x_n + r * h_n)). `gx` is the input projection
 * x W_ih^T + b_ih and `gh` the hidden projection h W_hh^T + b_hh of one step, both [batch, gates * hidden].
 */

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * One LSTM step: c' = f*c + i*g, h' = o*tanh(c').
 * @param B - batch size
 * @param H - hidden size
 * @param gx - [B, 4H] input projection (with b_ih)
 * @param gh - [B, 4H] hidden projection (with b_hh)
 * @param c - [B, H] previous cell state
 * @param h - out: [B, H] new hidden state
 * @param cNew - out: [B, H] new cell state
 * @param act - out: [B, 4H] the activated gates i, f, g, o (saved for the backward step)
 */
export function lstmCellForward(B: number, H: number, gx: Float32Array, gh: Float32Array, c: Float32Array, h: Float32Array, cNew: Float32Array, act: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const row = b * 4 * H;
    const s = b * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gx[row + j]! + gh[row + j]!);
      const f = sigmoid(gx[row + H + j]! + gh[row + H + j]!);
      const g = Math.tanh(gx[row + 2 * H + j]! + gh[row + 2 * H + j]!);
      const o = sigmoid(gx[row + 3 * H + j]! + gh[row + 3 * H + j]!);
      const cn = f * c[s + j]! + i * g;
      cNew[s + j] = cn;
      h[s + j] = o * Math.tanh(cn);
      act[row + j] = i;
      act[row + H + j] = f;
      act[row + 2 * H + j] = g;
      act[row + 3 * H + j] = o;
    }
  }
}

/**
 * The LSTM step's backward: gradients of the pre-activation gates (the same for gx and gh) and of the previous
 * cell state, from the gradients of h' and c'.
 * @param B - batch size
 * @param hidden - hidden size
 * @param dh - [B, H] d loss / d h'
 * @param dc - [B, H] d loss / d c' (from later steps and c_n)
 * @param c - [B, H] previous cell state
 * @param act - [B, 4H] activated gates from the forward step
 * @param cNew - [B, H] c' from the forward step
 * @param dGates - out: [B, 4H]
 * @param dcPrev - out: [B, H]
 */
export function lstmCellBackward(
  B: number,
  hidden: number,
  dh: Float32Array,
  dc: Float32Array,
  c: Float32Array,
  act: Float32Array,
  cNew: Float32Array,
  dGates: Float32Array,
  dcPrev: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * 4 * hidden;
    const s = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const i = act[row + j]!;
      const f = act[row + hidden + j]!;
      const g = act[row + 2 * hidden + j]!;
      const o = act[row + 3 * hidden + j]!;
      const tc = Math.tanh(cNew[s + j]!);
      const dhj = dh[s + j]!;
      const dct = dc[s + j]! + dhj * o * (1 - tc * tc);
      dGates[row + j] = dct * g * i * (1 - i);
      dGates[row + hidden + j] = dct * c[s + j]! * f * (1 - f);
      dGates[row + 2 * hidden + j] = dct * i * (1 - g * g);
      dGates[row + 3 * hidden + j] = dhj * tc * o * (1 - o);
      dcPrev[s + j] = dct * f;
    }
  }
}

/**
 * One GRU step: r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r*h_n), h' = (1-z)*n + z*h.
 * @param B - batch size
 * @param H - hidden size
 * @param gx - [B, 3H] input projection (with b_ih)
 * @param gh - [B, 3H] hidden projection (with b_hh)
 * @param h - [B, H] previous hidden state
 * @param hNew - out: [B, H]
 * @param act - out: [B, 3H] r, z, n (saved for the backward step)
 */
export function gruCellForward(B: number, H: number, gx: Float32Array, gh: Float32Array, h: Float32Array, hNew: Float32Array, act: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * H;
    const s = b * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gx[row + j]! + gh[row + j]!);
      const z = sigmoid(gx[row + H + j]! + gh[row + H + j]!);
      const n = Math.tanh(gx[row + 2 * H + j]! + r * gh[row + 2 * H + j]!);
      hNew[s + j] = (1 - z) * n + z * h[s + j]!;
      act[row + j] = r;
      act[row + H + j] = z;
      act[row + 2 * H + j] = n;
    }
  }
}

/**
 * The GRU step's backward.
 * @param B - batch size
 * @param hidden - hidden size
 * @param dhNew - [B, H] d loss / d h'
 * @param h - [B, H] previous hidden state
 * @param gh - [B, 3H] hidden projection of the forward step (its n part is needed)
 * @param act - [B, 3H] r, z, n from the forward step
 * @param dgx - out: [B, 3H] gradient of the input projection
 * @param dgh - out: [B, 3H] gradient of the hidden projection (differs from dgx in the n part: times r)
 * @param dhPrev - out: [B, H] the direct part of d loss / d h (through z)
 */
export function gruCellBackward(
  B: number,
  hidden: number,
  dhNew: Float32Array,
  h: Float32Array,
  gh: Float32Array,
  act: Float32Array,
  dgx: Float32Array,
  dgh: Float32Array,
  dhPrev: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * hidden;
    const s = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const r = act[row + j]!;
      const z = act[row + hidden + j]!;
      const n = act[row + 2 * hidden + j]!;
      const d = dhNew[s + j]!;
      const dnPre = d * (1 - z) * (1 - n * n);
      const dzPre = d * (h[s + j]! - n) * z * (1 - z);
      const drPre = dnPre * gh[row + 2 * hidden + j]! * r * (1 - r);
      dgx[row + j] = drPre;
      dgx[row + hidden + j] = dzPre;
      dgx[row + 2 * hidden + j] = dnPre;
      dgh[row + j] = drPre;
      dgh[row + hidden + j] = dzPre;
      dgh[row + 2 * hidden + j] = dnPre * r;
      dhPrev[s + j] = d * z;
    }
  }
}
