/**
 * The LSTM and GRU cell's element-wise passes on row-major float32 arrays, used by the fused kernels
 * (src/backend/wasm/recurrent-cells.ts runs them on the wasm heap). Gate order and formulas are torch.nn.LSTM's
 * (i, f, g, o) and torch.nn.GRU's (r, z, n with n = tanh(x_n + r * h_n)). `gx` is the input projection
 * x W_ih^T + b_ih and `gh` the hidden projection h W_hh^T + b_hh of one step, both [B, gates * H].
 *
 * The transcendental part is left to the backend's vectorised Sigmoid kernel (several times faster than
 * Math.exp in JS): tanh(v) = 2 * sigmoid(2v) - 1, so each forward step is
 *   prepare (JS) -> Sigmoid -> update (JS) -> Sigmoid -> finish (JS),
 * and the backward passes need no transcendental at all (they read the saved activations).
 */

/**
 * LSTM pass 1: the pre-activations, with the cell gate g doubled (its tanh comes from sigmoid(2v)).
 * @param B - batch size
 * @param H - hidden size
 * @param gx - [B, 4H]
 * @param gh - [B, 4H]
 * @param pre - out: [B, 4H] gx + gh, the g block times 2
 */
export function lstmPreactivations(B: number, H: number, gx: Float32Array, gh: Float32Array, pre: Float32Array): void {
  const n = B * 4 * H;
  for (let k = 0; k < n; k++) pre[k] = gx[k]! + gh[k]!;
  for (let b = 0; b < B; b++) {
    const g = b * 4 * H + 2 * H;
    for (let j = 0; j < H; j++) pre[g + j] = 2 * pre[g + j]!;
  }
}

/**
 * LSTM pass 2: from sigmoid(pre), the gates (g = 2s - 1) and the new cell state c' = f*c + i*g.
 * @param B - batch size
 * @param H - hidden size
 * @param sig - [B, 4H] sigmoid of the pre-activations
 * @param c - [B, H] previous cell state
 * @param act - out: [B, 5H] i, f, g, o (the fifth block, tanh(c'), is written by pass 3)
 * @param cNew - out: [B, H] c'
 * @param twiceC - out: [B, H] 2c' (for tanh(c') through sigmoid)
 */
export function lstmCellUpdate(B: number, H: number, sig: Float32Array, c: Float32Array, act: Float32Array, cNew: Float32Array, twiceC: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const row = b * 4 * H;
    const out = b * 5 * H;
    const s = b * H;
    for (let j = 0; j < H; j++) {
      const i = sig[row + j]!;
      const f = sig[row + H + j]!;
      const g = 2 * sig[row + 2 * H + j]! - 1;
      const o = sig[row + 3 * H + j]!;
      const cn = f * c[s + j]! + i * g;
      cNew[s + j] = cn;
      twiceC[s + j] = 2 * cn;
      act[out + j] = i;
      act[out + H + j] = f;
      act[out + 2 * H + j] = g;
      act[out + 3 * H + j] = o;
    }
  }
}

/**
 * LSTM pass 3: h' = o * tanh(c'), with tanh(c') = 2 * sigmoid(2c') - 1 (saved as act's fifth block).
 * @param B - batch size
 * @param H - hidden size
 * @param sigTwiceC - [B, H] sigmoid(2c')
 * @param act - in/out: [B, 5H]
 * @param h - out: [B, H]
 */
export function lstmCellOutput(B: number, H: number, sigTwiceC: Float32Array, act: Float32Array, h: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const out = b * 5 * H;
    const s = b * H;
    for (let j = 0; j < H; j++) {
      const tc = 2 * sigTwiceC[s + j]! - 1;
      act[out + 4 * H + j] = tc;
      h[s + j] = act[out + 3 * H + j]! * tc;
    }
  }
}

/**
 * The LSTM step's backward: gradients of the pre-activation gates (the same for gx and gh) and of the previous
 * cell state, from the gradients of h' and c'.
 * @param B - batch size
 * @param H - hidden size
 * @param dh - [B, H] d loss / d h'
 * @param dc - [B, H] d loss / d c' (from later steps and c_n)
 * @param c - [B, H] previous cell state
 * @param act - [B, 5H] i, f, g, o, tanh(c') from the forward step
 * @param dGates - out: [B, 4H]
 * @param dcPrev - out: [B, H]
 */
export function lstmCellBackward(B: number, H: number, dh: Float32Array, dc: Float32Array, c: Float32Array, act: Float32Array, dGates: Float32Array, dcPrev: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const row = b * 4 * H;
    const a = b * 5 * H;
    const s = b * H;
    for (let j = 0; j < H; j++) {
      const i = act[a + j]!;
      const f = act[a + H + j]!;
      const g = act[a + 2 * H + j]!;
      const o = act[a + 3 * H + j]!;
      const tc = act[a + 4 * H + j]!;
      const dhj = dh[s + j]!;
      const dct = dc[s + j]! + dhj * o * (1 - tc * tc);
      dGates[row + j] = dct * g * i * (1 - i);
      dGates[row + H + j] = dct * c[s + j]! * f * (1 - f);
      dGates[row + 2 * H + j] = dct * i * (1 - g * g);
      dGates[row + 3 * H + j] = dhj * tc * o * (1 - o);
      dcPrev[s + j] = dct * f;
    }
  }
}

/**
 * GRU pass 1: the r and z pre-activations.
 * @param B - batch size
 * @param H - hidden size
 * @param gx - [B, 3H]
 * @param gh - [B, 3H]
 * @param pre - out: [B, 2H] (r, z)
 */
export function gruPreactivations(B: number, H: number, gx: Float32Array, gh: Float32Array, pre: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * H;
    const out = b * 2 * H;
    for (let j = 0; j < 2 * H; j++) pre[out + j] = gx[row + j]! + gh[row + j]!;
  }
}

/**
 * GRU pass 2: 2 * (x_n + r * h_n), whose sigmoid gives n = 2s - 1.
 * @param B - batch size
 * @param H - hidden size
 * @param rz - [B, 2H] sigmoid of pass 1 (r, z)
 * @param gx - [B, 3H]
 * @param gh - [B, 3H]
 * @param twiceN - out: [B, H]
 */
export function gruCandidatePreactivation(B: number, H: number, rz: Float32Array, gx: Float32Array, gh: Float32Array, twiceN: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * H;
    const s = b * H;
    const r = b * 2 * H;
    for (let j = 0; j < H; j++) twiceN[s + j] = 2 * (gx[row + 2 * H + j]! + rz[r + j]! * gh[row + 2 * H + j]!);
  }
}

/**
 * GRU pass 3: n = 2 * sigmoid(2v) - 1 and h' = (1-z)*n + z*h; saves r, z, n.
 * @param B - batch size
 * @param H - hidden size
 * @param rz - [B, 2H] r and z
 * @param sigTwiceN - [B, H]
 * @param h - [B, H] previous hidden state
 * @param hNew - out: [B, H]
 * @param act - out: [B, 3H] r, z, n
 */
export function gruCellOutput(B: number, H: number, rz: Float32Array, sigTwiceN: Float32Array, h: Float32Array, hNew: Float32Array, act: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * H;
    const r2 = b * 2 * H;
    const s = b * H;
    for (let j = 0; j < H; j++) {
      const r = rz[r2 + j]!;
      const z = rz[r2 + H + j]!;
      const n = 2 * sigTwiceN[s + j]! - 1;
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
 * @param H - hidden size
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
  H: number,
  dhNew: Float32Array,
  h: Float32Array,
  gh: Float32Array,
  act: Float32Array,
  dgx: Float32Array,
  dgh: Float32Array,
  dhPrev: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * H;
    const s = b * H;
    for (let j = 0; j < H; j++) {
      const r = act[row + j]!;
      const z = act[row + H + j]!;
      const n = act[row + 2 * H + j]!;
      const d = dhNew[s + j]!;
      const dnPre = d * (1 - z) * (1 - n * n);
      const dzPre = d * (h[s + j]! - n) * z * (1 - z);
      const drPre = dnPre * gh[row + 2 * H + j]! * r * (1 - r);
      dgx[row + j] = drPre;
      dgx[row + H + j] = dzPre;
      dgx[row + 2 * H + j] = dnPre;
      dgh[row + j] = drPre;
      dgh[row + H + j] = dzPre;
      dgh[row + 2 * H + j] = dnPre * r;
      dhPrev[s + j] = d * z;
    }
  }
}
