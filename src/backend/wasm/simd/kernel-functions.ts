/**
 * twinml's SIMD helper kernels for the tfjs wasm backend, emitted as WebAssembly bytes by wasm-emit.ts (the one
 * way twinml writes wasm). They run on the backend's own heap (the memory is imported), on float32 NHWC tensors
 * whose channel count is a multiple of 4; see simd-kernels.ts for the callers and their contracts.
 * Each function is written in WAT's folded form: `fold(op.x, a, b)` is `(x a b)`, `set`/`get` are local.set/get,
 * `block`/`loop` nest, and a `br`/`brIf` depth counts the enclosing blocks and loops outwards (0 = innermost;
 * the comment names the label).
 */
import { maxPool2x2Planar, maxPool2x2PlanarGrad } from './planar-pool-functions.js';
import { block, emitModule, f32c, fold, get, I32, i32c, ifElse, loop, op, set, V128, type EmittedFunction } from '../wasm-emit.js';

/**
 * dx of a 2x2, stride-2 max pooling without padding over x [N, inH, inW, C] (inH >= 2*Ho, inW >= 2*Wo): every
 * element of dx inside a window written: dy goes to the first maximum of each window in row-major tap order
 * (strict >, starting from -inf, so NaN never wins and an all -inf/NaN window passes nothing), zeros elsewhere
 * (a last odd row or column, in no window, is left to the caller).
 * x, dy, dx: byte offsets; rows = N*Ho; wo = Wo; c = channels (multiple of 4); ho = Ho.
 */
function maxPool2x2Grad(): EmittedFunction {
  const [x, dy, dx, rows, wo, c, ho, inH, inW, cBytes, rowBytes, r, ow, k, off, colOff, v0, v1, v2, v3, best, idx, m, d] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  return {
    name: 'maxPool2x2Grad',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [[7, I32], [8, V128]],
    body: [
      set(cBytes, fold(op.i32Shl, get(c), i32c(2))),
      // one input row: inW * C floats
      set(rowBytes, fold(op.i32Mul, get(inW), get(cBytes))),
      set(r, i32c(0)),
      block( // $rowsDone
        loop( // $rowLoop
          fold(op.brIf(1), fold(op.i32GeU, get(r), get(rows))), // $rowsDone
          // window row pair of output row r = (b, oh) starts at input row b*inH + 2*oh
          set(colOff, fold(op.i32Mul, get(rowBytes), fold(op.i32Add, fold(op.i32Mul, fold(op.i32DivU, get(r), get(ho)), get(inH)), fold(op.i32Shl, fold(op.i32RemU, get(r), get(ho)), i32c(1))))),
          set(ow, i32c(0)),
          block( // $colsDone
            loop( // $colLoop
              fold(op.brIf(1), fold(op.i32GeU, get(ow), get(wo))), // $colsDone
              set(k, i32c(0)),
              block( // $chDone
                loop( // $chLoop
                  fold(op.brIf(1), fold(op.i32GeU, get(k), get(cBytes))), // $chDone
                  set(off, fold(op.i32Add, get(colOff), get(k))),
                  set(v0, fold(op.v128Load(0, 4), fold(op.i32Add, get(x), get(off)))),
                  set(v1, fold(op.v128Load(0, 4), fold(op.i32Add, fold(op.i32Add, get(x), get(off)), get(cBytes)))),
                  set(v2, fold(op.v128Load(0, 4), fold(op.i32Add, fold(op.i32Add, get(x), get(off)), get(rowBytes)))),
                  set(v3, fold(op.v128Load(0, 4), fold(op.i32Add, fold(op.i32Add, fold(op.i32Add, get(x), get(off)), get(rowBytes)), get(cBytes)))),
                  set(best, fold(op.f32x4Splat, f32c(-Infinity))),
                  set(idx, fold(op.i32x4Splat, i32c(-1))),
                  set(m, fold(op.f32x4Gt, get(v0), get(best))),
                  set(best, fold(op.v128Bitselect, get(v0), get(best), get(m))),
                  set(idx, fold(op.v128Bitselect, fold(op.i32x4Splat, i32c(0)), get(idx), get(m))),
                  set(m, fold(op.f32x4Gt, get(v1), get(best))),
                  set(best, fold(op.v128Bitselect, get(v1), get(best), get(m))),
                  set(idx, fold(op.v128Bitselect, fold(op.i32x4Splat, i32c(1)), get(idx), get(m))),
                  set(m, fold(op.f32x4Gt, get(v2), get(best))),
                  set(best, fold(op.v128Bitselect, get(v2), get(best), get(m))),
                  set(idx, fold(op.v128Bitselect, fold(op.i32x4Splat, i32c(2)), get(idx), get(m))),
                  set(m, fold(op.f32x4Gt, get(v3), get(best))),
                  set(idx, fold(op.v128Bitselect, fold(op.i32x4Splat, i32c(3)), get(idx), get(m))),
                  set(d, fold(op.v128Load(0, 4), get(dy))),
                  fold(op.v128Store(0, 4), fold(op.i32Add, get(dx), get(off)), fold(op.v128And, get(d), fold(op.i32x4Eq, get(idx), fold(op.i32x4Splat, i32c(0))))),
                  fold(op.v128Store(0, 4), fold(op.i32Add, fold(op.i32Add, get(dx), get(off)), get(cBytes)), fold(op.v128And, get(d), fold(op.i32x4Eq, get(idx), fold(op.i32x4Splat, i32c(1))))),
                  fold(op.v128Store(0, 4), fold(op.i32Add, fold(op.i32Add, get(dx), get(off)), get(rowBytes)), fold(op.v128And, get(d), fold(op.i32x4Eq, get(idx), fold(op.i32x4Splat, i32c(2))))),
                  fold(op.v128Store(0, 4), fold(op.i32Add, fold(op.i32Add, fold(op.i32Add, get(dx), get(off)), get(rowBytes)), get(cBytes)), fold(op.v128And, get(d), fold(op.i32x4Eq, get(idx), fold(op.i32x4Splat, i32c(3))))),
                  set(dy, fold(op.i32Add, get(dy), i32c(16))),
                  set(k, fold(op.i32Add, get(k), i32c(16))),
                  op.br(0), // $chLoop
                ),
              ),
              set(colOff, fold(op.i32Add, get(colOff), fold(op.i32Shl, get(cBytes), i32c(1)))),
              set(ow, fold(op.i32Add, get(ow), i32c(1))),
              op.br(0), // $colLoop
            ),
          ),
          set(r, fold(op.i32Add, get(r), i32c(1))),
          op.br(0), // $rowLoop
        ),
      ),
    ].flat(),
  };
}

/**
 * out[j] = sum over r of src[r * c + j] for j < c, accumulated in row order in float32.
 * src, out: byte offsets; rows; c = columns (multiple of 4).
 */
function columnSum(): EmittedFunction {
  const [src, out, rows, c, cBytes, end, k] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'columnSum',
    params: [I32, I32, I32, I32],
    locals: [[3, I32]],
    body: [
      set(cBytes, fold(op.i32Shl, get(c), i32c(2))),
      set(k, i32c(0)),
      block( // $zeroDone
        loop( // $zero
          fold(op.brIf(1), fold(op.i32GeU, get(k), get(cBytes))), // $zeroDone
          fold(op.v128Store(0, 4), fold(op.i32Add, get(out), get(k)), fold(op.f32x4Splat, f32c(0))),
          set(k, fold(op.i32Add, get(k), i32c(16))),
          op.br(0), // $zero
        ),
      ),
      set(end, fold(op.i32Add, get(src), fold(op.i32Mul, get(rows), get(cBytes)))),
      block( // $rowsDone
        loop( // $rowLoop
          fold(op.brIf(1), fold(op.i32GeU, get(src), get(end))), // $rowsDone
          set(k, i32c(0)),
          block( // $chDone
            loop( // $chLoop
              fold(op.brIf(1), fold(op.i32GeU, get(k), get(cBytes))), // $chDone
              fold(op.v128Store(0, 4), fold(op.i32Add, get(out), get(k)), fold(op.f32x4Add, fold(op.v128Load(0, 4), fold(op.i32Add, get(out), get(k))), fold(op.v128Load(0, 4), fold(op.i32Add, get(src), get(k))))),
              set(k, fold(op.i32Add, get(k), i32c(16))),
              op.br(0), // $chLoop
            ),
          ),
          set(src, fold(op.i32Add, get(src), get(cBytes))),
          op.br(0), // $rowLoop
        ),
      ),
    ].flat(),
  };
}

/**
 * out[i] = y[i] <= 0 ? 0 : dy[i] for i < n (ReLU's gradient from its output, PyTorch's threshold_backward:
 * a NaN output passes the gradient on).
 * dy, y, out: byte offsets; n: element count.
 */
function reluBackward(): EmittedFunction {
  const [dy, y, out, n, i, end4, end] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'reluBackward',
    params: [I32, I32, I32, I32],
    locals: [[3, I32]],
    body: [
      set(end, fold(op.i32Shl, get(n), i32c(2))),
      set(end4, fold(op.i32And, get(end), i32c(-16))),
      set(i, i32c(0)),
      block( // $vecDone
        loop( // $vec
          fold(op.brIf(1), fold(op.i32GeU, get(i), get(end4))), // $vecDone
          fold(op.v128Store(0, 4), fold(op.i32Add, get(out), get(i)), fold(op.v128AndNot, fold(op.v128Load(0, 4), fold(op.i32Add, get(dy), get(i))), fold(op.f32x4Le, fold(op.v128Load(0, 4), fold(op.i32Add, get(y), get(i))), fold(op.f32x4Splat, f32c(0))))),
          set(i, fold(op.i32Add, get(i), i32c(16))),
          op.br(0), // $vec
        ),
      ),
      block( // $tailDone
        loop( // $tail
          fold(op.brIf(1), fold(op.i32GeU, get(i), get(end))), // $tailDone
          fold(op.f32Store(), fold(op.i32Add, get(out), get(i)), fold(op.select, f32c(0), fold(op.f32Load(), fold(op.i32Add, get(dy), get(i))), fold(op.f32Le, fold(op.f32Load(), fold(op.i32Add, get(y), get(i))), f32c(0)))),
          set(i, fold(op.i32Add, get(i), i32c(4))),
          op.br(0), // $tail
        ),
      ),
    ].flat(),
  };
}

/**
 * Softmax's gradient over rows of c floats (c a multiple of 4): out = y·(dy - Σ dy·y) per row, the dot product
 * in four f32 lanes then summed. dy, y, out: byte offsets; rows; c.
 */
function softmaxBackward(): EmittedFunction {
  const [dy, y, out, rows, c, cBytes, end, j, acc, dotv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const at = (base: number) => fold(op.i32Add, get(base), get(j));
  const lane = (i: number) => fold(op.f32x4ExtractLane(i), get(acc));
  return {
    name: 'softmaxBackward',
    params: [I32, I32, I32, I32, I32],
    locals: [[3, I32], [2, V128]],
    body: [
      set(cBytes, fold(op.i32Shl, get(c), i32c(2))),
      set(end, fold(op.i32Add, get(y), fold(op.i32Mul, get(rows), get(cBytes)))),
      block( // $rowsDone
        loop( // $row
          fold(op.brIf(1), fold(op.i32GeU, get(y), get(end))), // $rowsDone
          set(acc, fold(op.f32x4Splat, f32c(0))),
          set(j, i32c(0)),
          block( // $dotDone
            loop( // $dot
              fold(op.brIf(1), fold(op.i32GeU, get(j), get(cBytes))), // $dotDone
              set(acc, fold(op.f32x4Add, get(acc), fold(op.f32x4Mul, fold(op.v128Load(0, 4), at(dy)), fold(op.v128Load(0, 4), at(y))))),
              set(j, fold(op.i32Add, get(j), i32c(16))),
              op.br(0), // $dot
            ),
          ),
          set(dotv, fold(op.f32x4Splat, fold(op.f32Add, fold(op.f32Add, lane(0), lane(1)), fold(op.f32Add, lane(2), lane(3))))),
          set(j, i32c(0)),
          block( // $outDone
            loop( // $out
              fold(op.brIf(1), fold(op.i32GeU, get(j), get(cBytes))), // $outDone
              fold(op.v128Store(0, 4), at(out), fold(op.f32x4Mul, fold(op.v128Load(0, 4), at(y)), fold(op.f32x4Sub, fold(op.v128Load(0, 4), at(dy)), get(dotv)))),
              set(j, fold(op.i32Add, get(j), i32c(16))),
              op.br(0), // $out
            ),
          ),
          set(dy, fold(op.i32Add, get(dy), get(cBytes))),
          set(y, fold(op.i32Add, get(y), get(cBytes))),
          set(out, fold(op.i32Add, get(out), get(cBytes))),
          op.br(0), // $row
        ),
      ),
    ].flat(),
  };
}

/**
 * One filter tap's rows of a transposed im2col, stride 1: for every plane p < planes of src [planes, h, w]
 * and output row oh < ho, dst gets wo floats: src[p, oh - top, ow - left] for ow in [lo, hi) (the caller
 * clamps that range to the input's columns), zeros elsewhere and for rows outside the input.
 * src, dst: byte offsets.
 */
function im2colTap(): EmittedFunction {
  const [src, dst, planes, h, w, ho, wo, top, lo, hi, left, p, oh, hIn, plane, rowBytes, loBytes, midBytes, tailBytes, planeBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  return {
    name: 'im2colTap',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [[9, I32]],
    body: [
      set(rowBytes, fold(op.i32Shl, get(wo), i32c(2))),
      set(loBytes, fold(op.i32Shl, get(lo), i32c(2))),
      set(midBytes, fold(op.i32Shl, fold(op.i32Sub, get(hi), get(lo)), i32c(2))),
      set(tailBytes, fold(op.i32Shl, fold(op.i32Sub, get(wo), get(hi)), i32c(2))),
      set(planeBytes, fold(op.i32Shl, fold(op.i32Mul, get(h), get(w)), i32c(2))),
      set(plane, get(src)),
      set(p, i32c(0)),
      block( // $planesDone
        loop( // $planeLoop
          fold(op.brIf(1), fold(op.i32GeU, get(p), get(planes))), // $planesDone
          set(oh, i32c(0)),
          block( // $rowsDone
            loop( // $rowLoop
              fold(op.brIf(1), fold(op.i32GeU, get(oh), get(ho))), // $rowsDone
              set(hIn, fold(op.i32Sub, get(oh), get(top))),
              ifElse(fold(op.i32Or, fold(op.i32LtS, get(hIn), i32c(0)), fold(op.i32GeS, get(hIn), get(h))), [
                fold(op.memoryFill, get(dst), i32c(0), get(rowBytes)),
              ], [
                fold(op.memoryFill, get(dst), i32c(0), get(loBytes)),
                fold(op.memoryCopy, fold(op.i32Add, get(dst), get(loBytes)), fold(op.i32Add, get(plane), fold(op.i32Shl, fold(op.i32Add, fold(op.i32Mul, get(hIn), get(w)), fold(op.i32Sub, get(lo), get(left))), i32c(2))), get(midBytes)),
                fold(op.memoryFill, fold(op.i32Add, fold(op.i32Add, get(dst), get(loBytes)), get(midBytes)), i32c(0), get(tailBytes)),
              ]),
              set(dst, fold(op.i32Add, get(dst), get(rowBytes))),
              set(oh, fold(op.i32Add, get(oh), i32c(1))),
              op.br(0), // $rowLoop
            ),
          ),
          set(plane, fold(op.i32Add, get(plane), get(planeBytes))),
          set(p, fold(op.i32Add, get(p), i32c(1))),
          op.br(0), // $planeLoop
        ),
      ),
    ].flat(),
  };
}

/**
 * out[t, j] = sum over m of a[t, m] * b[m, j]: a [rows, k], b [k, cols], out [rows, cols], all row-major,
 * rows a multiple of 3 and cols a multiple of 16. Blocks of 3 rows x 16 columns keep their 12 sums in registers
 * while m runs over k (float32, in m order): the filter gradient of a convolution with few input channels,
 * where k (batch x output positions) is huge and rows x cols tiny. a, b, out: byte offsets.
 */
function gemmSmallOut(): EmittedFunction {
  const [a, b, out, rows, k, cols, t, j, m, aRow, bAt, kBytes, colBytes, s0, s1, s2, b0, b1, b2, b3, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
  return {
    name: 'gemmSmallOut',
    params: [I32, I32, I32, I32, I32, I32],
    locals: [[7, I32], [19, V128]],
    body: [
      set(kBytes, fold(op.i32Shl, get(k), i32c(2))),
      set(colBytes, fold(op.i32Shl, get(cols), i32c(2))),
      set(t, i32c(0)),
      block( // $rowsDone
        loop( // $rowLoop
          fold(op.brIf(1), fold(op.i32GeU, get(t), get(rows))), // $rowsDone
          set(j, i32c(0)),
          block( // $colsDone
            loop( // $colLoop
              fold(op.brIf(1), fold(op.i32GeU, get(j), get(colBytes))), // $colsDone
              set(c00, fold(op.f32x4Splat, f32c(0))),
              set(c01, fold(op.f32x4Splat, f32c(0))),
              set(c02, fold(op.f32x4Splat, f32c(0))),
              set(c03, fold(op.f32x4Splat, f32c(0))),
              set(c10, fold(op.f32x4Splat, f32c(0))),
              set(c11, fold(op.f32x4Splat, f32c(0))),
              set(c12, fold(op.f32x4Splat, f32c(0))),
              set(c13, fold(op.f32x4Splat, f32c(0))),
              set(c20, fold(op.f32x4Splat, f32c(0))),
              set(c21, fold(op.f32x4Splat, f32c(0))),
              set(c22, fold(op.f32x4Splat, f32c(0))),
              set(c23, fold(op.f32x4Splat, f32c(0))),
              set(aRow, fold(op.i32Add, get(a), fold(op.i32Mul, get(t), get(kBytes)))),
              set(bAt, fold(op.i32Add, get(b), get(j))),
              set(m, i32c(0)),
              block( // $kDone
                loop( // $kLoop
                  fold(op.brIf(1), fold(op.i32GeU, get(m), get(kBytes))), // $kDone
                  set(s0, fold(op.f32x4Splat, fold(op.f32Load(), fold(op.i32Add, get(aRow), get(m))))),
                  set(s1, fold(op.f32x4Splat, fold(op.f32Load(), fold(op.i32Add, fold(op.i32Add, get(aRow), get(kBytes)), get(m))))),
                  set(s2, fold(op.f32x4Splat, fold(op.f32Load(), fold(op.i32Add, fold(op.i32Add, get(aRow), fold(op.i32Shl, get(kBytes), i32c(1))), get(m))))),
                  set(b0, fold(op.v128Load(0, 4), get(bAt))),
                  set(b1, fold(op.v128Load(16, 4), get(bAt))),
                  set(b2, fold(op.v128Load(32, 4), get(bAt))),
                  set(b3, fold(op.v128Load(48, 4), get(bAt))),
                  set(c00, fold(op.f32x4Add, get(c00), fold(op.f32x4Mul, get(s0), get(b0)))),
                  set(c01, fold(op.f32x4Add, get(c01), fold(op.f32x4Mul, get(s0), get(b1)))),
                  set(c02, fold(op.f32x4Add, get(c02), fold(op.f32x4Mul, get(s0), get(b2)))),
                  set(c03, fold(op.f32x4Add, get(c03), fold(op.f32x4Mul, get(s0), get(b3)))),
                  set(c10, fold(op.f32x4Add, get(c10), fold(op.f32x4Mul, get(s1), get(b0)))),
                  set(c11, fold(op.f32x4Add, get(c11), fold(op.f32x4Mul, get(s1), get(b1)))),
                  set(c12, fold(op.f32x4Add, get(c12), fold(op.f32x4Mul, get(s1), get(b2)))),
                  set(c13, fold(op.f32x4Add, get(c13), fold(op.f32x4Mul, get(s1), get(b3)))),
                  set(c20, fold(op.f32x4Add, get(c20), fold(op.f32x4Mul, get(s2), get(b0)))),
                  set(c21, fold(op.f32x4Add, get(c21), fold(op.f32x4Mul, get(s2), get(b1)))),
                  set(c22, fold(op.f32x4Add, get(c22), fold(op.f32x4Mul, get(s2), get(b2)))),
                  set(c23, fold(op.f32x4Add, get(c23), fold(op.f32x4Mul, get(s2), get(b3)))),
                  set(bAt, fold(op.i32Add, get(bAt), get(colBytes))),
                  set(m, fold(op.i32Add, get(m), i32c(4))),
                  op.br(0), // $kLoop
                ),
              ),
              fold(op.v128Store(0, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(0)), get(colBytes)), get(j))), get(c00)),
              fold(op.v128Store(16, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(0)), get(colBytes)), get(j))), get(c01)),
              fold(op.v128Store(32, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(0)), get(colBytes)), get(j))), get(c02)),
              fold(op.v128Store(48, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(0)), get(colBytes)), get(j))), get(c03)),
              fold(op.v128Store(0, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(1)), get(colBytes)), get(j))), get(c10)),
              fold(op.v128Store(16, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(1)), get(colBytes)), get(j))), get(c11)),
              fold(op.v128Store(32, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(1)), get(colBytes)), get(j))), get(c12)),
              fold(op.v128Store(48, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(1)), get(colBytes)), get(j))), get(c13)),
              fold(op.v128Store(0, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(2)), get(colBytes)), get(j))), get(c20)),
              fold(op.v128Store(16, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(2)), get(colBytes)), get(j))), get(c21)),
              fold(op.v128Store(32, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(2)), get(colBytes)), get(j))), get(c22)),
              fold(op.v128Store(48, 4), fold(op.i32Add, get(out), fold(op.i32Add, fold(op.i32Mul, fold(op.i32Add, get(t), i32c(2)), get(colBytes)), get(j))), get(c23)),
              set(j, fold(op.i32Add, get(j), i32c(64))),
              op.br(0), // $colLoop
            ),
          ),
          set(t, fold(op.i32Add, get(t), i32c(3))),
          op.br(0), // $rowLoop
        ),
      ),
    ].flat(),
  };
}

/**
 * im2colTap for the common case where the output has the input's size (stride 1, 'same'-style padding):
 * dst [planes, h, w] = src shifted by `shift` = top*w + left elements as one bulk copy, then the positions
 * whose tap falls outside the input zeroed: rows outside [rowLo, rowHi) of every plane and columns outside
 * [lo, hi) of every row (everything the shifted copy brought in from a neighbouring row or plane, or did
 * not write). src, dst: byte offsets.
 */
function im2colTapSame(): EmittedFunction {
  const [src, dst, planes, h, w, shift, rowLo, rowHi, lo, hi, total, rows, r, p, at, end, rowBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  return {
    name: 'im2colTapSame',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [[7, I32]],
    body: [
      set(total, fold(op.i32Mul, get(planes), fold(op.i32Mul, get(h), get(w)))),
      ifElse(fold(op.i32GeS, get(shift), i32c(0)), [
        fold(op.memoryCopy, fold(op.i32Add, get(dst), fold(op.i32Shl, get(shift), i32c(2))), get(src), fold(op.i32Shl, fold(op.i32Sub, get(total), get(shift)), i32c(2))),
      ], [
        fold(op.memoryCopy, get(dst), fold(op.i32Sub, get(src), fold(op.i32Shl, get(shift), i32c(2))), fold(op.i32Shl, fold(op.i32Add, get(total), get(shift)), i32c(2))),
      ]),
      set(rowBytes, fold(op.i32Shl, get(w), i32c(2))),
      // columns outside [lo, hi) in every row
      set(rows, fold(op.i32Mul, get(planes), get(h))),
      set(r, i32c(0)),
      set(at, get(dst)),
      block( // $colsDone
        loop( // $colLoop
          fold(op.brIf(1), fold(op.i32GeU, get(r), get(rows))), // $colsDone
          set(p, i32c(0)),
          block( // $leftDone
            loop( // $left
              fold(op.brIf(1), fold(op.i32GeS, get(p), get(lo))), // $leftDone
              fold(op.f32Store(), fold(op.i32Add, get(at), fold(op.i32Shl, get(p), i32c(2))), f32c(0)),
              set(p, fold(op.i32Add, get(p), i32c(1))),
              op.br(0), // $left
            ),
          ),
          set(p, get(hi)),
          block( // $rightDone
            loop( // $right
              fold(op.brIf(1), fold(op.i32GeS, get(p), get(w))), // $rightDone
              fold(op.f32Store(), fold(op.i32Add, get(at), fold(op.i32Shl, get(p), i32c(2))), f32c(0)),
              set(p, fold(op.i32Add, get(p), i32c(1))),
              op.br(0), // $right
            ),
          ),
          set(at, fold(op.i32Add, get(at), get(rowBytes))),
          set(r, fold(op.i32Add, get(r), i32c(1))),
          op.br(0), // $colLoop
        ),
      ),
      // rows outside [rowLo, rowHi) in every plane
      set(p, i32c(0)),
      block( // $planesDone
        loop( // $planeLoop
          fold(op.brIf(1), fold(op.i32GeU, get(p), get(planes))), // $planesDone
          set(r, i32c(0)),
          block( // $rowsDone
            loop( // $rowLoop
              fold(op.brIf(1), fold(op.i32GeS, get(r), get(h))), // $rowsDone
              ifElse(fold(op.i32Or, fold(op.i32LtS, get(r), get(rowLo)), fold(op.i32GeS, get(r), get(rowHi))), [
                set(at, fold(op.i32Add, get(dst), fold(op.i32Mul, fold(op.i32Add, fold(op.i32Mul, get(p), get(h)), get(r)), get(rowBytes)))),
                set(end, fold(op.i32Add, get(at), get(rowBytes))),
                block( // $zeroDone
                  loop( // $zero
                    fold(op.brIf(1), fold(op.i32GeU, get(at), get(end))), // $zeroDone
                    fold(op.f32Store(), get(at), f32c(0)),
                    set(at, fold(op.i32Add, get(at), i32c(4))),
                    op.br(0), // $zero
                  ),
                ),
              ]),
              set(r, fold(op.i32Add, get(r), i32c(1))),
              op.br(0), // $rowLoop
            ),
          ),
          set(p, fold(op.i32Add, get(p), i32c(1))),
          op.br(0), // $planeLoop
        ),
      ),
    ].flat(),
  };
}

/** The module's bytes: imports `env.memory`, exports the nine kernels. */
export function simdKernelModule(): Uint8Array {
  return emitModule([maxPool2x2Grad(), columnSum(), reluBackward(), im2colTap(), gemmSmallOut(), im2colTapSame(), softmaxBackward(), maxPool2x2Planar(), maxPool2x2PlanarGrad()]);
}
