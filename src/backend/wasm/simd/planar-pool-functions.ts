/**
 * 2x2, stride-2, unpadded max pooling over planes (one channel each, row-major [planes, inH, inW]: NCHW viewed as
 * [N·C, H, W, 1]) and its gradient, as SIMD code for the tfjs wasm heap (emitted by wasm-emit.ts; listed in
 * kernel-functions.ts). Four windows at a time: two rows of eight floats are split into the four taps of four
 * windows by even/odd shuffles; the remaining Wo % 4 windows of a row run one by one. Selection as in the NHWC
 * kernels: the first maximum in row-major tap order (strict >, starting from -inf, so NaN never wins and an
 * all -inf/NaN window gives -inf and passes no gradient).
 * Arguments (byte offsets for tensors): rows = planes·Ho, wo = Wo, ho = Ho, inH, inW (>= 2·Ho, >= 2·Wo).
 */
import { block, f32c, F32, fold, get, I32, i32c, loop, op, set, V128, type EmittedFunction } from '../wasm-emit.js';

const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD = EVEN.map((b) => b + 4);
/** (a0, b0, a1, b1) and (a2, b2, a3, b3): two vectors of window results back to row order. */
const LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HIGH = LOW.map((b) => b + 8);

// Locals shared by both functions: params 0-7, i32 8-15, f32 16-21, v128 22-33.
const [x, out, dx, rows, wo, ho, inH, inW] = [0, 1, 2, 3, 4, 5, 6, 7];
const [r, ow, src, dst, rowBytes, outAt, idxS, at] = [8, 9, 10, 11, 12, 13, 14, 15];
const [s0, , , , bestS, dS] = [16, 17, 18, 19, 20, 21];
const [v0, , , , best, idx, m, d, q0] = [22, 23, 24, 25, 26, 27, 28, 29, 30];
const LOCALS: Array<[number, typeof I32 | typeof F32 | typeof V128]> = [[8, I32], [6, F32], [12, V128]];

/** Per output row r: src (and dst, when `withDx`) at the window row pair, outAt at out row r; then `body`. */
function overRows(withDx: boolean, vectorBody: number[][], scalarBody: number[][]): number[] {
  // byte offset of the row pair: ((r / ho) * inH + (r % ho) * 2) * inW * 4
  const pairOffset = fold(op.i32Mul, get(rowBytes), fold(op.i32Add, fold(op.i32Mul, fold(op.i32DivU, get(r), get(ho)), get(inH)), fold(op.i32Shl, fold(op.i32RemU, get(r), get(ho)), i32c(1))));
  return [
    set(rowBytes, fold(op.i32Shl, get(inW), i32c(2))),
    set(r, i32c(0)),
    block( // $rowsDone
      loop( // $rowLoop
        fold(op.brIf(1), fold(op.i32GeU, get(r), get(rows))),
        set(at, pairOffset),
        set(src, fold(op.i32Add, get(x), get(at))),
        withDx ? set(dst, fold(op.i32Add, get(dx), get(at))) : [],
        set(outAt, fold(op.i32Add, get(out), fold(op.i32Shl, fold(op.i32Mul, get(r), get(wo)), i32c(2)))),
        set(ow, i32c(0)),
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
        block( // $scalarsDone: the last wo % 4 windows
          loop(
            fold(op.brIf(1), fold(op.i32GeU, get(ow), get(wo))),
            ...scalarBody,
            set(src, fold(op.i32Add, get(src), i32c(8))),
            withDx ? set(dst, fold(op.i32Add, get(dst), i32c(8))) : [],
            set(outAt, fold(op.i32Add, get(outAt), i32c(4))),
            set(ow, fold(op.i32Add, get(ow), i32c(1))),
            op.br(0),
          ),
        ),
        set(r, fold(op.i32Add, get(r), i32c(1))),
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

/** The same for one window: s0..s3 loaded, bestS and idxS selected. */
function selectScalar(): number[][] {
  const steps: number[][] = [
    set(s0, fold(op.f32Load(0), get(src))),
    set(s0 + 1, fold(op.f32Load(4), get(src))),
    set(s0 + 2, fold(op.f32Load(0), fold(op.i32Add, get(src), get(rowBytes)))),
    set(s0 + 3, fold(op.f32Load(4), fold(op.i32Add, get(src), get(rowBytes)))),
    set(bestS, f32c(-Infinity)),
    set(idxS, i32c(-1)),
  ];
  for (let t = 0; t < 4; t++) {
    // idx first: it compares with the best so far
    steps.push(
      set(idxS, fold(op.select, i32c(t), get(idxS), fold(op.f32Gt, get(s0 + t), get(bestS)))),
      set(bestS, fold(op.select, get(s0 + t), get(bestS), fold(op.f32Gt, get(s0 + t), get(bestS)))),
    );
  }
  return steps;
}

/** maxPool2x2Planar(x, y, _, rows, wo, ho, inH, inW): y [planes, Ho, Wo] = the windows' maxima. */
export function maxPool2x2Planar(): EmittedFunction {
  const body = overRows(
    false,
    [...loadTaps(), ...selectVector(), fold(op.v128Store(0, 0), get(outAt), get(best))],
    [...selectScalar(), fold(op.f32Store(0), get(outAt), get(bestS))],
  );
  return { name: 'maxPool2x2Planar', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: LOCALS, body };
}

/**
 * maxPool2x2PlanarGrad(x, dy, dx, rows, wo, ho, inH, inW): dx [planes, inH, inW] gets dy at each window's first
 * maximum and zeros at its other taps (a last odd row or column, in no window, is left to the caller).
 */
export function maxPool2x2PlanarGrad(): EmittedFunction {
  const mask = (t: number) => fold(op.v128And, get(d), fold(op.i32x4Eq, get(idx), fold(op.i32x4Splat, i32c(t))));
  const scalarTap = (t: number, offset: number[], byte: number) =>
    fold(op.f32Store(byte), offset, fold(op.select, get(dS), f32c(0), fold(op.i32Eq, get(idxS), i32c(t))));
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
      ...selectScalar(),
      set(dS, fold(op.f32Load(0), get(outAt))),
      scalarTap(0, get(dst), 0),
      scalarTap(1, get(dst), 4),
      scalarTap(2, below, 0),
      scalarTap(3, below, 4),
    ],
  );
  return { name: 'maxPool2x2PlanarGrad', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: LOCALS, body };
}
