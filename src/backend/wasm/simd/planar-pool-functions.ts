/**
 * 2x2, stride-2, unpadded max pooling over planes (one channel each, row-major [planes, inH, inW]: NCHW viewed as
 * [N·C, H, W, 1]) and its gradient, as SIMD code for the tfjs wasm heap (emitted by wasm-emit.ts; listed in
 * kernel-functions.ts). Four windows at a time: two rows of eight floats are split into the four taps of four
 * windows by even/odd shuffles; the last Wo % 4 windows of a row as the four ending at the row's end (Wo >= 4);
 * rows of fewer than four windows gather one window per lane. Selection as in the NHWC
 * kernels: the first maximum in row-major tap order (strict >, starting from -inf, so NaN never wins and an
 * all -inf/NaN window gives -inf and passes no gradient).
 * Arguments (byte offsets for tensors): planes, wo = Wo, ho = Ho, inH, inW (>= 2·Ho, >= 2·Wo).
 */
import { block, f32c, fold, get, I32, i32c, ifElse, loop, op, set, V128, type EmittedFunction } from '../wasm-emit.js';

const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD = EVEN.map((b) => b + 4);
/** (a0, b0, a1, b1) and (a2, b2, a3, b3): two vectors of window results back to row order. */
const LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HIGH = LOW.map((b) => b + 8);

// Locals shared by both functions: params 0-7, i32 8-19, v128 20-31.
const [x, out, dx, planes, wo, ho, inH, inW] = [0, 1, 2, 3, 4, 5, 6, 7];
const [p, ow, src, dst, rowBytes, outAt, pairAt, oh, outRow] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
/** Byte offsets of windows 1, 2, 3 from window 0 in a row narrower than four windows (8·min(j, Wo - 1)). */
const lane = [17, 18, 19];
const [v0, , , , best, idx, m, d, q0] = [20, 21, 22, 23, 24, 25, 26, 27, 28];
const LOCALS: Array<[number, typeof I32 | typeof V128]> = [[12, I32], [12, V128]];

/**
 * For every plane and output row: src (and dst, when `withDx`) at the row's first window, outAt at its first
 * output; `vectorBody` for each group of four windows, then the last Wo % 4 windows as one more group ending at
 * the row's end (overlapping the previous one, whose results it writes again unchanged) when Wo >= 4; rows of
 * fewer than four windows run `narrowBody` once (lane j = window min(j, Wo - 1)). No division per row: pointers
 * advance.
 */
function overRows(withDx: boolean, vectorBody: number[][], narrowBody: number[][]): number[] {
  const at = (ow0: number[]) => [
    set(src, fold(op.i32Add, fold(op.i32Add, get(x), get(pairAt)), fold(op.i32Shl, ow0, i32c(3)))),
    withDx ? set(dst, fold(op.i32Add, fold(op.i32Add, get(dx), get(pairAt)), fold(op.i32Shl, ow0, i32c(3)))) : [],
    set(outAt, fold(op.i32Add, get(outRow), fold(op.i32Shl, ow0, i32c(2)))),
  ];
  const minusOne = fold(op.i32Sub, get(wo), i32c(1));
  return [
    set(rowBytes, fold(op.i32Shl, get(inW), i32c(2))),
    ...[1, 2, 3].map((j) => set(lane[j - 1]!, fold(op.i32Shl, fold(op.select, i32c(j), minusOne, fold(op.i32LtS, i32c(j), get(wo))), i32c(3)))),
    set(pairAt, i32c(0)),
    set(outRow, get(out)),
    set(p, i32c(0)),
    block( // $planesDone
      loop( // $planeLoop
        fold(op.brIf(1), fold(op.i32GeU, get(p), get(planes))),
        set(oh, i32c(0)),
        block( // $rowsDone
          loop( // $rowLoop
            fold(op.brIf(1), fold(op.i32GeU, get(oh), get(ho))),
            set(ow, i32c(0)),
            ...at(i32c(0)),
            block( // $vectorsDone: four windows while ow + 4 <= wo
              loop(
                fold(op.brIf(1), fold(op.i32LtS, get(wo), fold(op.i32Add, get(ow), i32c(4)))),
                ...vectorBody,
                set(src, fold(op.i32Add, get(src), i32c(32))),
                withDx ? set(dst, fold(op.i32Add, get(dst), i32c(32))) : [],
                set(outAt, fold(op.i32Add, get(outAt), i32c(16))),
                set(ow, fold(op.i32Add, get(ow), i32c(4))),
                op.br(0),
              ),
            ),
            ifElse(fold(op.i32LtU, get(ow), get(wo)), [
              ifElse(fold(op.i32GeU, get(wo), i32c(4)), [
                // the last windows: the four ending at the row's end
                ...at(fold(op.i32Sub, get(wo), i32c(4))),
                ...vectorBody,
              ], narrowBody),
            ]),
            set(pairAt, fold(op.i32Add, get(pairAt), fold(op.i32Shl, get(rowBytes), i32c(1)))),
            set(outRow, fold(op.i32Add, get(outRow), fold(op.i32Shl, get(wo), i32c(2)))),
            set(oh, fold(op.i32Add, get(oh), i32c(1))),
            op.br(0),
          ),
        ),
        // an odd last input row lies in no window
        set(pairAt, fold(op.i32Add, get(pairAt), fold(op.i32Mul, get(rowBytes), fold(op.i32Sub, get(inH), fold(op.i32Shl, get(ho), i32c(1)))))),
        set(p, fold(op.i32Add, get(p), i32c(1))),
        op.br(0),
      ),
    ),
  ].flat();
}

/** Loads the four taps of four windows into v0..v3 (taps (0,0), (0,1), (1,0), (1,1)). */
function loadTaps(): number[][] {
  const row = (offset: number[]) => [fold(op.v128Load(0, 0), offset), fold(op.v128Load(16, 0), offset)];
  const top = row(get(src));
  const bottom = row(fold(op.i32Add, get(src), get(rowBytes)));
  return [
    set(v0, fold(op.i8x16Shuffle(EVEN), ...top)),
    set(v0 + 1, fold(op.i8x16Shuffle(ODD), ...top)),
    set(v0 + 2, fold(op.i8x16Shuffle(EVEN), ...bottom)),
    set(v0 + 3, fold(op.i8x16Shuffle(ODD), ...bottom)),
  ];
}

/** best = first maximum of v0..v3 per lane, idx = its tap (-1: none). */
function selectVector(): number[][] {
  const steps: number[][] = [set(best, fold(op.f32x4Splat, f32c(-Infinity))), set(idx, fold(op.i32x4Splat, i32c(-1)))];
  for (let t = 0; t < 4; t++) {
    steps.push(
      set(m, fold(op.f32x4Gt, get(v0 + t), get(best))),
      set(best, fold(op.v128Bitselect, get(v0 + t), get(best), get(m))),
      set(idx, fold(op.v128Bitselect, fold(op.i32x4Splat, i32c(t)), get(idx), get(m))),
    );
  }
  return steps;
}

/**
 * A vector of lanes gathered from `base` + the lane offsets: lane 0 at `base` + `byte`, lane j at `base` +
 * (lane j's window offset) · `scale` + `byte` (scale 1: windows of x or dx, 8 bytes apart; 1/2: outputs, 4 apart).
 */
function gather(base: number[], byte: number, half: boolean): number[] {
  let v = fold(op.f32x4Splat, fold(op.f32Load(byte), base));
  for (let j = 1; j < 4; j++) {
    const offset = half ? fold(op.i32ShrU, get(lane[j - 1]!), i32c(1)) : get(lane[j - 1]!);
    v = fold(op.f32x4ReplaceLane(j), v, fold(op.f32Load(byte), fold(op.i32Add, base, offset)));
  }
  return v;
}

/** The four taps of the row's (at most three) windows into v0..v3, window j in lane j. */
function gatherTaps(): number[][] {
  const below = fold(op.i32Add, get(src), get(rowBytes));
  return [set(v0, gather(get(src), 0, false)), set(v0 + 1, gather(get(src), 4, false)), set(v0 + 2, gather(below, 0, false)), set(v0 + 3, gather(below, 4, false))];
}

/** Stores lane j of `value` at `base` + 8j + `byte` (or 4j with `half`) for each window j < Wo (at most three). */
function scatter(value: number[], base: () => number[], byte: number, half: boolean): number[][] {
  return [0, 1, 2].map((j) => {
    const store = fold(op.f32Store(byte + (half ? 4 : 8) * j), base(), fold(op.f32x4ExtractLane(j), value));
    return j === 0 ? store : ifElse(fold(op.i32LtS, i32c(j), get(wo)), [store]);
  });
}

/** maxPool2x2Planar(x, y, _, planes, wo, ho, inH, inW): y [planes, Ho, Wo] = the windows' maxima. */
export function maxPool2x2Planar(): EmittedFunction {
  const body = overRows(
    false,
    [...loadTaps(), ...selectVector(), fold(op.v128Store(0, 0), get(outAt), get(best))],
    [...gatherTaps(), ...selectVector(), ...scatter(get(best), () => get(outAt), 0, true)],
  );
  return { name: 'maxPool2x2Planar', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: LOCALS, body };
}

/**
 * maxPool2x2PlanarGrad(x, dy, dx, planes, wo, ho, inH, inW): dx [planes, inH, inW] gets dy at each window's first
 * maximum and zeros at its other taps (a last odd row or column, in no window, is left to the caller).
 */
export function maxPool2x2PlanarGrad(): EmittedFunction {
  const mask = (t: number) => fold(op.v128And, get(d), fold(op.i32x4Eq, get(idx), fold(op.i32x4Splat, i32c(t))));
  const below = fold(op.i32Add, get(dst), get(rowBytes));
  const body = overRows(
    true,
    [
      ...loadTaps(),
      ...selectVector(),
      set(d, fold(op.v128Load(0, 0), get(outAt))),
      ...[0, 1, 2, 3].map((t) => set(q0 + t, mask(t))),
      fold(op.v128Store(0, 0), get(dst), fold(op.i8x16Shuffle(LOW), get(q0), get(q0 + 1))),
      fold(op.v128Store(16, 0), get(dst), fold(op.i8x16Shuffle(HIGH), get(q0), get(q0 + 1))),
      fold(op.v128Store(0, 0), below, fold(op.i8x16Shuffle(LOW), get(q0 + 2), get(q0 + 3))),
      fold(op.v128Store(16, 0), below, fold(op.i8x16Shuffle(HIGH), get(q0 + 2), get(q0 + 3))),
    ],
    [
      ...gatherTaps(),
      ...selectVector(),
      set(d, gather(get(outAt), 0, true)),
      ...[0, 1, 2, 3].map((t) => set(q0 + t, mask(t))),
      ...scatter(get(q0), () => get(dst), 0, false),
      ...scatter(get(q0 + 1), () => get(dst), 4, false),
      ...scatter(get(q0 + 2), () => below, 0, false),
      ...scatter(get(q0 + 3), () => below, 4, false),
    ],
  );
  return { name: 'maxPool2x2PlanarGrad', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: LOCALS, body };
}
