/**
 * Single-precision GEMM on the tfjs wasm heap with wasm SIMD128: C[M,N] = A·B with A row-major [M,K] or given
 * transposed as [K,M] (the weight gradient dYᵀ·X; where that is slow to read in place, first repacked into 4-row
 * panels in the scratch) and B row-major [K,N] or given transposed
 * as [N,K] (the input gradient dY·W^T reads W in place). The
 * module is generated per shape so that row strides are immediate load offsets: a 4×8 register block (eight
 * f32x4 accumulators) walks K with one splat load per row of A and two vector loads of B per step; column
 * blocks are outermost and each K×8 panel of B is first packed contiguously so it stays in L1 across row
 * blocks. It covers the first floor(M/4)*4 rows and all N columns (the last N % 8 through a zero-padded panel,
 * stored lane by lane; simd-matmul.ts uses it only when that is all of C, M % 4 == 0). Each output is the sum over k in order: of rounded float32 products (mul, then add), or,
 * where the engine has relaxed SIMD (relaxed-simd.ts, on by default), of f32x4.relaxed_madd steps (fused
 * multiply-add on x86 with FMA: 42.7 against 34.7 GFLOP/s over the MLP's GEMMs).
 */
import { hasRelaxedSimd } from './relaxed-simd.js';
import { emitModule, I32, V128, op, wasmApi, type EmittedFunction } from './wasm-emit.js';

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  /** A is stored [K, M] (transposed). */
  transposeA: boolean;
  /**
   * With transposeA: first repack A into 4-row panels in the scratch (default true). Pays where reading A in place
   * is slow: a row stride that is a multiple of 1 KiB (rows alias in L1) or a deep K (see repacksTransposedA).
   */
  repackA?: boolean;
  /** B is stored [N, K] (transposed); packing gathers its columns. */
  transposeB: boolean;
  /** Adds bias[j] (float32 [N] at the `bias` offset) to every row after the sum over k (default false). */
  bias?: boolean;
  /**
   * With `bias`: the bias is per row, bias[i] (float32 [M]) added to row i, instead of per column (a convolution's
   * out[Co, H·W] = W·columns on NCHW; default false).
   */
  rowBias?: boolean;
  /** Adds the product to what C holds (C += A·B, a sum over several products; default false: C = A·B). */
  accumulate?: boolean;
  /** Applies max(x, 0) last (NaN stays NaN, as in PyTorch's relu; default false). */
  relu?: boolean;
  /**
   * B is a Linear layer's output gradient dy [K, N] (not transposed) and the GEMM is that layer's weight
   * gradient: while packing B, also write the column sums of the packed values (the bias gradient) to
   * `biasGrad`; with 'relu', B is first masked by ReLU's gradient (0 where y <= 0, PyTorch's
   * threshold_backward, y at the `y` offset) and the masked values are written to `g` as well.
   */
  gradOf?: 'linear' | 'relu';
}

/**
 * gemm(a, b, c, pack, bias, y, g, biasGrad): byte offsets in the wasm heap; pack has gemmPackBytes(k) bytes;
 * bias is read only when the shape has `bias`, y, g and biasGrad only with `gradOf` (see GemmShape).
 */
export type GemmSimd = (a: number, b: number, c: number, pack: number, bias: number, y: number, g: number, biasGrad: number) => void;

const ROWS = 4;
const COLS = 8;

/**
 * The generated function gemm(a, b, c, pack, bias): for each 8-column block of B, first copy that K×8 panel to
 * `pack` (K·32 bytes, contiguous: a strided panel spans K cache lines, more than L1 holds for K = 784), then run
 * the 4×8 register block down all row blocks of A reading the packed panel sequentially. The epilogue (bias
 * add, ReLU) runs on the accumulators before they are stored, so a fused Linear costs no extra pass.
 */
export function gemmFunction(shape: GemmShape, fusedMultiplyAdd = false): EmittedFunction {
  const { m, n, k, transposeA, transposeB, bias: hasBias = false, relu = false, gradOf, rowBias = false, accumulate = false } = shape;
  const repack = transposeA && shape.repackA !== false;
  const columnBias = hasBias && !rowBias;
  if (gradOf && transposeB) throw new Error('gemmFunction: gradOf needs B (the output gradient) not transposed');
  const [a, b, c, pack, bias, y, g, biasGrad] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [jb, ib, pa, pb, pend, cb] = [8, 9, 10, 11, 12, 13];
  const acc = (r: number, h: number) => 14 + 2 * r + h;
  const [b0, b1, av, bias0, bias1, zero, sum0, sum1, v] = [22, 23, 24, 25, 26, 27, 28, 29, 30];
  const m4 = m - (m % ROWS);
  const n8 = n - (n % COLS);
  const rowBytesC = n * 4;
  const panelBytes = k * COLS * 4;
  // A transposed ([K, M]) is first repacked into 4-row panels [M/4][K][4] after the B panel in `pack` (see
  // packTransposedA); the row blocks then read A as a contiguous 16-byte step per k. Reading it in place walks K
  // rows M·4 bytes apart, and with M a power of two (512: every c_fc weight gradient of a GPT) those rows all fall
  // into a few L1 sets: 10 GFLOP/s against 40+ untransposed.
  // Where row r of A's 4-row block sits relative to the block pointer, and how far the pointer moves per k.
  const aRowOffset = repack ? 4 : transposeA ? 4 : k * 4;
  const aStepK = repack ? 16 : transposeA ? m * 4 : 4;
  const packedA = [31, 32, 33, 34];
  const body: number[] = [];
  if (repack) body.push(...packTransposedA({ m4, m, k, a, pack, panelBytes, locals: packedA }));
  /** Copies B[:, jb:jb+cols] into `pack` as a K×8 panel (cb walks it), zero-filling columns cols..7. */
  const packPanel = (cols: number) => {
    // Transposed B: column j is row j of the stored [N, K].
    body.push(...op.localGet(b), ...op.localGet(jb));
    if (transposeB) body.push(...op.i32Const(k), ...op.i32Mul);
    body.push(...op.i32Add, ...op.localSet(pb), ...op.localGet(pack), ...op.localSet(cb));
    if (gradOf) body.push(...op.v128Zero, ...op.localSet(sum0), ...op.v128Zero, ...op.localSet(sum1));
    body.push(...op.loop);
    if (cols < COLS) for (const off of [0, 16]) body.push(...op.localGet(cb), ...op.v128Zero, ...op.v128Store(off));
    // With gradOf, pb - b + y and pb - b + g address the same element of y and g.
    const at = (base: number) => [...op.localGet(pb), ...op.localGet(b), ...op.i32Sub, ...op.localGet(base), ...op.i32Add];
    if (transposeB) {
      for (let col = 0; col < cols; col++) body.push(...op.localGet(cb), ...op.localGet(pb), ...op.f32Load(col * k * 4), ...op.f32Store(col * 4));
      body.push(...op.localGet(pb), ...op.i32Const(4), ...op.i32Add, ...op.localSet(pb));
    } else {
      if (cols === COLS) {
        for (const off of [0, 16]) {
          body.push(...op.localGet(pb), ...op.v128Load(off));
          if (gradOf === 'relu') body.push(...at(y), ...op.v128Load(off), ...op.localGet(zero), ...op.f32x4Le, ...op.v128AndNot);
          body.push(...op.localSet(v), ...op.localGet(cb), ...op.localGet(v), ...op.v128Store(off));
          if (gradOf === 'relu') body.push(...at(g), ...op.localGet(v), ...op.v128Store(off));
        }
      } else {
        for (let col = 0; col < cols; col++) {
          body.push(...op.localGet(cb));
          if (gradOf === 'relu') {
            body.push(...op.f32Const(0), ...op.localGet(pb), ...op.f32Load(col * 4), ...at(y), ...op.f32Load(col * 4), ...op.f32Const(0), ...op.f32Le, ...op.select);
          } else {
            body.push(...op.localGet(pb), ...op.f32Load(col * 4));
          }
          body.push(...op.f32Store(col * 4));
          if (gradOf === 'relu') body.push(...at(g), ...op.localGet(cb), ...op.f32Load(col * 4), ...op.f32Store(col * 4));
        }
      }
      body.push(...op.localGet(pb), ...op.i32Const(n * 4), ...op.i32Add, ...op.localSet(pb));
    }
    if (gradOf) {
      // Column sums of the packed rows, in row order from 0 (as the SIMD column sum; zero padding adds nothing).
      for (const [off, sum] of [[0, sum0], [16, sum1]] as const) {
        body.push(...op.localGet(sum), ...op.localGet(cb), ...op.v128Load(off), ...op.f32x4Add, ...op.localSet(sum));
      }
    }
    body.push(...op.localGet(cb), ...op.i32Const(COLS * 4), ...op.i32Add, ...op.localTee(cb), ...op.localGet(pack), ...op.i32Const(panelBytes), ...op.i32Add, ...op.i32LtU, ...op.brIf(0), ...op.end);
    body.push(...op.localGet(pack), ...op.i32Const(panelBytes), ...op.i32Add, ...op.localSet(pend));
    if (gradOf) {
      if (cols === COLS) {
        for (const [off, sum] of [[0, sum0], [16, sum1]] as const) body.push(...op.localGet(biasGrad), ...op.localGet(jb), ...op.i32Add, ...op.localGet(sum), ...op.v128Store(off));
      } else {
        for (let col = 0; col < cols; col++) {
          body.push(...op.localGet(biasGrad), ...op.localGet(jb), ...op.i32Add, ...op.localGet(col < 4 ? sum0 : sum1), ...op.f32x4ExtractLane(col & 3), ...op.f32Store(col * 4));
        }
      }
    }
  };
  /** The address of bias[ib] (row bias: row ib + r reads offset r * 4 from it). */
  const rowBiasAddress = () => [...op.localGet(bias), ...op.localGet(ib), ...op.i32Const(4), ...op.i32Mul, ...op.i32Add];
  /** Runs the 4×8 block down all row blocks of A against the packed panel; stores columns jb..jb+cols-1 of C. */
  const rowBlocks = (cols: number) => {
    body.push(...op.i32Const(0), ...op.localSet(ib), ...op.block, ...op.loop);
    body.push(...op.localGet(ib), ...op.i32Const(m4), ...op.i32GeU, ...op.brIf(1));
    for (let r = 0; r < ROWS; r++) for (let h = 0; h < 2; h++) body.push(...op.v128Zero, ...op.localSet(acc(r, h)));
    // Row block ib starts ib·K·4 bytes into A (rows of K floats) or into the packed panels (K·16 bytes per 4 rows).
    if (repack) body.push(...op.localGet(pack), ...op.i32Const(panelBytes), ...op.i32Add);
    else body.push(...op.localGet(a));
    body.push(...op.localGet(ib), ...op.i32Const(repack || !transposeA ? k * 4 : 4), ...op.i32Mul, ...op.i32Add, ...op.localSet(pa));
    body.push(...op.localGet(pack), ...op.localSet(pb), ...op.loop);
    body.push(...op.localGet(pb), ...op.v128Load(0), ...op.localSet(b0));
    body.push(...op.localGet(pb), ...op.v128Load(16), ...op.localSet(b1));
    for (let r = 0; r < ROWS; r++) {
      body.push(...op.localGet(pa), ...op.v128Load32Splat(r * aRowOffset), ...op.localSet(av));
      for (const [h, bv] of [[0, b0], [1, b1]] as const) {
        if (fusedMultiplyAdd) body.push(...op.localGet(av), ...op.localGet(bv), ...op.localGet(acc(r, h)), ...op.f32x4RelaxedMadd, ...op.localSet(acc(r, h)));
        else body.push(...op.localGet(acc(r, h)), ...op.localGet(av), ...op.localGet(bv), ...op.f32x4Mul, ...op.f32x4Add, ...op.localSet(acc(r, h)));
      }
    }
    body.push(...op.localGet(pa), ...op.i32Const(aStepK), ...op.i32Add, ...op.localSet(pa));
    body.push(...op.localGet(pb), ...op.i32Const(COLS * 4), ...op.i32Add, ...op.localTee(pb), ...op.localGet(pend), ...op.i32LtU, ...op.brIf(0));
    body.push(...op.end);
    body.push(...op.localGet(c), ...op.localGet(ib), ...op.i32Const(rowBytesC), ...op.i32Mul, ...op.i32Add, ...op.localGet(jb), ...op.i32Add, ...op.localSet(cb));
    for (let r = 0; r < ROWS; r++) {
      if (cols === COLS) {
        for (let h = 0; h < 2; h++) {
          body.push(...op.localGet(cb), ...op.localGet(acc(r, h)));
          if (accumulate) body.push(...op.localGet(cb), ...op.v128Load(r * rowBytesC + 16 * h), ...op.f32x4Add);
          if (columnBias) body.push(...op.localGet(h === 0 ? bias0 : bias1), ...op.f32x4Add);
          if (hasBias && rowBias) body.push(...rowBiasAddress(), ...op.v128Load32Splat(r * 4), ...op.f32x4Add);
          if (relu) body.push(...op.localGet(zero), ...op.f32x4Max);
          body.push(...op.v128Store(r * rowBytesC + 16 * h));
        }
        continue;
      }
      // The last columns (N % 8 of them): lane by lane, so nothing past row r's end of C is written.
      for (let col = 0; col < cols; col++) {
        body.push(...op.localGet(cb), ...op.localGet(acc(r, col >> 2)), ...op.f32x4ExtractLane(col & 3));
        if (accumulate) body.push(...op.localGet(cb), ...op.f32Load(r * rowBytesC + col * 4), ...op.f32Add);
        if (columnBias) body.push(...op.localGet(bias), ...op.f32Load(n8 * 4 + col * 4), ...op.f32Add);
        if (hasBias && rowBias) body.push(...rowBiasAddress(), ...op.f32Load(r * 4), ...op.f32Add);
        if (relu) body.push(...op.f32Const(0), ...op.f32Max);
        body.push(...op.f32Store(r * rowBytesC + col * 4));
      }
    }
    body.push(...op.localGet(ib), ...op.i32Const(ROWS), ...op.i32Add, ...op.localSet(ib), ...op.br(0), ...op.end, ...op.end);
  };
  body.push(...op.i32Const(0), ...op.localSet(jb), ...op.block, ...op.loop);
  body.push(...op.localGet(jb), ...op.i32Const(n8 * 4), ...op.i32GeU, ...op.brIf(1));
  packPanel(COLS);
  if (columnBias) {
    for (const [h, reg] of [[0, bias0], [1, bias1]] as const) {
      body.push(...op.localGet(bias), ...op.localGet(jb), ...op.i32Add, ...op.v128Load(16 * h), ...op.localSet(reg));
    }
  }
  rowBlocks(COLS);
  body.push(...op.localGet(jb), ...op.i32Const(COLS * 4), ...op.i32Add, ...op.localSet(jb), ...op.br(0), ...op.end, ...op.end);
  // Here jb = n8 * 4: the remaining N % 8 columns, packed with zeros up to 8.
  if (n8 < n) {
    packPanel(n - n8);
    rowBlocks(n - n8);
  }
  return { name: 'gemm', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [[6, I32], [17, V128], [4, I32]], body };
}

interface PackASpec {
  /** Rows of C the GEMM covers (a multiple of 4) and all rows (the stored A's row length). */
  m4: number;
  m: number;
  k: number;
  /** Locals holding A's and the scratch's byte offsets. */
  a: number;
  pack: number;
  /** Bytes of the B panel at the start of the scratch; the packed A follows it. */
  panelBytes: number;
  /** Four free i32 locals. */
  locals: number[];
}

/**
 * Code that copies A stored [K, M] (the first m4 columns) into 4-row panels: panel p holds, for each k, the 16
 * bytes A[k, 4p..4p+3], so panel p of row block 4p is K·16 contiguous bytes at pack + panelBytes + p·K·16. Four k
 * rows are moved together, so every write fills a whole 64-byte line and every read streams along four rows.
 */
function packTransposedA({ m4, m, k, a, pack, panelBytes, locals }: PackASpec): number[] {
  const [rowSrc, rowDst, src, dst] = locals as [number, number, number, number];
  const rowBytes = m * 4;
  const code: number[] = [];
  /** Moves `rows` k rows starting at rowSrc/rowDst into every panel (src walks A's row, dst the panels). */
  const movePanels = (rows: number) => {
    code.push(...op.localGet(rowSrc), ...op.localSet(src), ...op.localGet(rowDst), ...op.localSet(dst));
    code.push(...op.block, ...op.loop);
    code.push(...op.localGet(src), ...op.localGet(rowSrc), ...op.i32Sub, ...op.i32Const(m4 * 4), ...op.i32GeU, ...op.brIf(1));
    for (let t = 0; t < rows; t++) code.push(...op.localGet(dst), ...op.localGet(src), ...op.v128Load(t * rowBytes), ...op.v128Store(t * 16));
    code.push(...op.localGet(src), ...op.i32Const(16), ...op.i32Add, ...op.localSet(src));
    code.push(...op.localGet(dst), ...op.i32Const(k * 16), ...op.i32Add, ...op.localSet(dst));
    code.push(...op.br(0), ...op.end, ...op.end);
  };
  const k4 = k - (k % 4);
  code.push(...op.localGet(a), ...op.localSet(rowSrc), ...op.localGet(pack), ...op.i32Const(panelBytes), ...op.i32Add, ...op.localSet(rowDst));
  if (k4 > 0) {
    code.push(...op.block, ...op.loop);
    code.push(...op.localGet(rowSrc), ...op.localGet(a), ...op.i32Sub, ...op.i32Const(k4 * rowBytes), ...op.i32GeU, ...op.brIf(1));
    movePanels(4);
    code.push(...op.localGet(rowSrc), ...op.i32Const(4 * rowBytes), ...op.i32Add, ...op.localSet(rowSrc));
    code.push(...op.localGet(rowDst), ...op.i32Const(64), ...op.i32Add, ...op.localSet(rowDst));
    code.push(...op.br(0), ...op.end, ...op.end);
  }
  // Here rowSrc is row k4 of A and rowDst its place in the panels: the last k % 4 rows.
  for (let r = 0; r < k % 4; r++) {
    movePanels(1);
    code.push(...op.localGet(rowSrc), ...op.i32Const(rowBytes), ...op.i32Add, ...op.localSet(rowSrc));
    code.push(...op.localGet(rowDst), ...op.i32Const(16), ...op.i32Add, ...op.localSet(rowDst));
  }
  return code;
}

/**
 * Bytes of scratch memory gemm's `pack` argument needs: the K×8 panel of B, and with `transposeA` the repacked A
 * (floor(M/4)·4 rows of K floats).
 * @param shape - the product's m, k and whether A is stored transposed
 */
export function gemmPackBytes(shape: Pick<GemmShape, 'm' | 'k' | 'transposeA' | 'repackA'>): number {
  const { m, k, transposeA, repackA = true } = shape;
  return k * COLS * 4 + (transposeA && repackA ? (m - (m % ROWS)) * k * 4 : 0);
}

/**
 * Whether a transposed-A product of m rows over `depth` (all of K, before any slicing) should repack A: when its
 * row stride m·4 bytes is a multiple of 1 KiB (every row of a 4-row block's K walk falls into a few L1 sets: the
 * c_fc weight gradient at M = 512 ran at 10 GFLOP/s) or K is deeper than 256 rows. Shallow products at other
 * strides (an MLP's weight gradient over a batch of 64) read A in place, as the copy would cost more than it saves.
 * @param m - rows of C (columns of the stored A)
 * @param depth - K
 */
export function repacksTransposedA(m: number, depth: number): boolean {
  return (m * 4) % 1024 === 0 || depth > 256;
}

const compiled = new WeakMap<object, Map<string, GemmSimd>>();

/**
 * The SIMD GEMM for `shape` bound to `memory` (a WebAssembly.Memory), compiled once per shape and memory;
 * null without WebAssembly SIMD.
 * @param memory - the tfjs wasm backend's memory
 * @param shape - the product's dimensions
 */
export function gemmSimd(memory: object, shape: GemmShape): GemmSimd | null {
  let byShape = compiled.get(memory);
  if (!byShape) compiled.set(memory, (byShape = new Map()));
  const fma = hasRelaxedSimd();
  const key = `${shape.m},${shape.n},${shape.k},${shape.transposeA},${shape.repackA ?? true},${shape.transposeB},${shape.bias ?? false},${shape.relu ?? false},${shape.gradOf ?? ''},${shape.rowBias ?? false},${shape.accumulate ?? false},${fma}`;
  const cached = byShape.get(key);
  if (cached) return cached;
  const api = wasmApi();
  const bytes = emitModule([gemmFunction(shape, fma)]);
  if (!api || !api.validate(bytes)) return null;
  const fn = new api.Instance(new api.Module(bytes), { env: { memory } }).exports['gemm'] as GemmSimd;
  byShape.set(key, fn);
  return fn;
}

