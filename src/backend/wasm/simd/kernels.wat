;; twinml's SIMD helper kernels for the tfjs wasm backend. They run on the backend's own heap (the memory is
;; imported), on float32 NHWC tensors whose channel count is a multiple of 4. Compiled to kernels-wasm.ts by
;; scripts/build-simd-kernels.mjs; see simd-kernels.ts for the callers and their contracts.
(module
  (import "env" "memory" (memory 1))

  ;; dx of a 2x2, stride-2 max pooling without padding over x [N, inH, inW, C] (inH >= 2*Ho, inW >= 2*Wo): every
  ;; element of dx inside a window written: dy goes to the first maximum of each window in row-major tap order
  ;; (strict >, starting from -inf, so NaN never wins and an all -inf/NaN window passes nothing), zeros elsewhere
  ;; (a last odd row or column, in no window, is left to the caller).
  ;; x, dy, dx: byte offsets; rows = N*Ho; wo = Wo; c = channels (multiple of 4); ho = Ho.
  (func (export "maxPool2x2Grad") (param $x i32) (param $dy i32) (param $dx i32) (param $rows i32) (param $wo i32) (param $c i32)
    (param $ho i32) (param $inH i32) (param $inW i32)
    (local $cBytes i32) (local $rowBytes i32) (local $r i32) (local $ow i32) (local $k i32)
    (local $off i32) (local $colOff i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $best v128) (local $idx v128) (local $m v128) (local $d v128)
    (local.set $cBytes (i32.shl (local.get $c) (i32.const 2)))
    ;; one input row: inW * C floats
    (local.set $rowBytes (i32.mul (local.get $inW) (local.get $cBytes)))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        ;; window row pair of output row r = (b, oh) starts at input row b*inH + 2*oh
        (local.set $colOff (i32.mul (local.get $rowBytes)
          (i32.add (i32.mul (i32.div_u (local.get $r) (local.get $ho)) (local.get $inH))
            (i32.shl (i32.rem_u (local.get $r) (local.get $ho)) (i32.const 1)))))
        (local.set $ow (i32.const 0))
        (block $colsDone
          (loop $colLoop
            (br_if $colsDone (i32.ge_u (local.get $ow) (local.get $wo)))
            (local.set $k (i32.const 0))
            (block $chDone
              (loop $chLoop
                (br_if $chDone (i32.ge_u (local.get $k) (local.get $cBytes)))
                (local.set $off (i32.add (local.get $colOff) (local.get $k)))
                (local.set $v0 (v128.load (i32.add (local.get $x) (local.get $off))))
                (local.set $v1 (v128.load (i32.add (i32.add (local.get $x) (local.get $off)) (local.get $cBytes))))
                (local.set $v2 (v128.load (i32.add (i32.add (local.get $x) (local.get $off)) (local.get $rowBytes))))
                (local.set $v3 (v128.load (i32.add (i32.add (i32.add (local.get $x) (local.get $off)) (local.get $rowBytes)) (local.get $cBytes))))
                (local.set $best (f32x4.splat (f32.const -inf)))
                (local.set $idx (i32x4.splat (i32.const -1)))
                (local.set $m (f32x4.gt (local.get $v0) (local.get $best)))
                (local.set $best (v128.bitselect (local.get $v0) (local.get $best) (local.get $m)))
                (local.set $idx (v128.bitselect (i32x4.splat (i32.const 0)) (local.get $idx) (local.get $m)))
                (local.set $m (f32x4.gt (local.get $v1) (local.get $best)))
                (local.set $best (v128.bitselect (local.get $v1) (local.get $best) (local.get $m)))
                (local.set $idx (v128.bitselect (i32x4.splat (i32.const 1)) (local.get $idx) (local.get $m)))
                (local.set $m (f32x4.gt (local.get $v2) (local.get $best)))
                (local.set $best (v128.bitselect (local.get $v2) (local.get $best) (local.get $m)))
                (local.set $idx (v128.bitselect (i32x4.splat (i32.const 2)) (local.get $idx) (local.get $m)))
                (local.set $m (f32x4.gt (local.get $v3) (local.get $best)))
                (local.set $idx (v128.bitselect (i32x4.splat (i32.const 3)) (local.get $idx) (local.get $m)))
                (local.set $d (v128.load (local.get $dy)))
                (v128.store (i32.add (local.get $dx) (local.get $off))
                  (v128.and (local.get $d) (i32x4.eq (local.get $idx) (i32x4.splat (i32.const 0)))))
                (v128.store (i32.add (i32.add (local.get $dx) (local.get $off)) (local.get $cBytes))
                  (v128.and (local.get $d) (i32x4.eq (local.get $idx) (i32x4.splat (i32.const 1)))))
                (v128.store (i32.add (i32.add (local.get $dx) (local.get $off)) (local.get $rowBytes))
                  (v128.and (local.get $d) (i32x4.eq (local.get $idx) (i32x4.splat (i32.const 2)))))
                (v128.store (i32.add (i32.add (i32.add (local.get $dx) (local.get $off)) (local.get $rowBytes)) (local.get $cBytes))
                  (v128.and (local.get $d) (i32x4.eq (local.get $idx) (i32x4.splat (i32.const 3)))))
                (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $chLoop)))
            (local.set $colOff (i32.add (local.get $colOff) (i32.shl (local.get $cBytes) (i32.const 1))))
            (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
            (br $colLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; out[j] = sum over r of src[r * c + j] for j < c, accumulated in row order in float32.
  ;; src, out: byte offsets; rows; c = columns (multiple of 4).
  (func (export "columnSum") (param $src i32) (param $out i32) (param $rows i32) (param $c i32)
    (local $cBytes i32) (local $end i32) (local $k i32)
    (local.set $cBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $zeroDone
      (loop $zero
        (br_if $zeroDone (i32.ge_u (local.get $k) (local.get $cBytes)))
        (v128.store (i32.add (local.get $out) (local.get $k)) (f32x4.splat (f32.const 0)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $zero)))
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $rows) (local.get $cBytes))))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $k (i32.const 0))
        (block $chDone
          (loop $chLoop
            (br_if $chDone (i32.ge_u (local.get $k) (local.get $cBytes)))
            (v128.store (i32.add (local.get $out) (local.get $k))
              (f32x4.add (v128.load (i32.add (local.get $out) (local.get $k))) (v128.load (i32.add (local.get $src) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $chLoop)))
        (local.set $src (i32.add (local.get $src) (local.get $cBytes)))
        (br $rowLoop))))
;; out[i] = y[i] <= 0 ? 0 : dy[i] for i < n (ReLU's gradient from its output, PyTorch's threshold_backward:
  ;; a NaN output passes the gradient on).
  ;; dy, y, out: byte offsets; n: element count.
  (func (export "reluBackward") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $vecDone
      (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (v128.andnot (v128.load (i32.add (local.get $dy) (local.get $i)))
            (f32x4.le (v128.load (i32.add (local.get $y) (local.get $i))) (f32x4.splat (f32.const 0)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (select (f32.const 0) (f32.load (i32.add (local.get $dy) (local.get $i)))
            (f32.le (f32.load (i32.add (local.get $y) (local.get $i))) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))
;; One filter tap's rows of a transposed im2col, stride 1: for every plane p < planes of src [planes, h, w]
  ;; and output row oh < ho, dst gets wo floats: src[p, oh - top, ow - left] for ow in [lo, hi) (the caller
  ;; clamps that range to the input's columns), zeros elsewhere and for rows outside the input.
  ;; src, dst: byte offsets.
  (func (export "im2colTap") (param $src i32) (param $dst i32) (param $planes i32) (param $h i32) (param $w i32)
    (param $ho i32) (param $wo i32) (param $top i32) (param $lo i32) (param $hi i32) (param $left i32)
    (local $p i32) (local $oh i32) (local $hIn i32) (local $plane i32) (local $rowBytes i32)
    (local $loBytes i32) (local $midBytes i32) (local $tailBytes i32) (local $planeBytes i32)
    (local.set $rowBytes (i32.shl (local.get $wo) (i32.const 2)))
    (local.set $loBytes (i32.shl (local.get $lo) (i32.const 2)))
    (local.set $midBytes (i32.shl (i32.sub (local.get $hi) (local.get $lo)) (i32.const 2)))
    (local.set $tailBytes (i32.shl (i32.sub (local.get $wo) (local.get $hi)) (i32.const 2)))
    (local.set $planeBytes (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 2)))
    (local.set $plane (local.get $src))
    (local.set $p (i32.const 0))
    (block $planesDone
      (loop $planeLoop
        (br_if $planesDone (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $oh (i32.const 0))
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $oh) (local.get $ho)))
            (local.set $hIn (i32.sub (local.get $oh) (local.get $top)))
            (if (i32.or (i32.lt_s (local.get $hIn) (i32.const 0)) (i32.ge_s (local.get $hIn) (local.get $h)))
              (then (memory.fill (local.get $dst) (i32.const 0) (local.get $rowBytes)))
              (else
                (memory.fill (local.get $dst) (i32.const 0) (local.get $loBytes))
                (memory.copy (i32.add (local.get $dst) (local.get $loBytes))
                  (i32.add (local.get $plane)
                    (i32.shl (i32.add (i32.mul (local.get $hIn) (local.get $w)) (i32.sub (local.get $lo) (local.get $left))) (i32.const 2)))
                  (local.get $midBytes))
                (memory.fill (i32.add (i32.add (local.get $dst) (local.get $loBytes)) (local.get $midBytes)) (i32.const 0) (local.get $tailBytes))))
            (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $rowLoop)))
        (local.set $plane (i32.add (local.get $plane) (local.get $planeBytes)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $planeLoop))))
  ;; out[t, j] = sum over m of a[t, m] * b[m, j]: a [rows, k], b [k, cols], out [rows, cols], all row-major,
  ;; rows a multiple of 3 and cols a multiple of 16. Blocks of 3 rows x 16 columns keep their 12 sums in registers
  ;; while m runs over k (float32, in m order): the filter gradient of a convolution with few input channels,
  ;; where k (batch x output positions) is huge and rows x cols tiny. a, b, out: byte offsets.
  (func (export "gemmSmallOut") (param $a i32) (param $b i32) (param $out i32) (param $rows i32) (param $k i32) (param $cols i32)
    (local $t i32) (local $j i32) (local $m i32) (local $aRow i32) (local $bAt i32) (local $kBytes i32) (local $colBytes i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128) (local $c20 v128) (local $c21 v128) (local $c22 v128) (local $c23 v128)
    (local.set $kBytes (i32.shl (local.get $k) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $t (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $t) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $colLoop
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $colBytes)))
            (local.set $c00 (f32x4.splat (f32.const 0)))
            (local.set $c01 (f32x4.splat (f32.const 0)))
            (local.set $c02 (f32x4.splat (f32.const 0)))
            (local.set $c03 (f32x4.splat (f32.const 0)))
            (local.set $c10 (f32x4.splat (f32.const 0)))
            (local.set $c11 (f32x4.splat (f32.const 0)))
            (local.set $c12 (f32x4.splat (f32.const 0)))
            (local.set $c13 (f32x4.splat (f32.const 0)))
            (local.set $c20 (f32x4.splat (f32.const 0)))
            (local.set $c21 (f32x4.splat (f32.const 0)))
            (local.set $c22 (f32x4.splat (f32.const 0)))
            (local.set $c23 (f32x4.splat (f32.const 0)))
            (local.set $aRow (i32.add (local.get $a) (i32.mul (local.get $t) (local.get $kBytes))))
            (local.set $bAt (i32.add (local.get $b) (local.get $j)))
            (local.set $m (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $m) (local.get $kBytes)))
                (local.set $s0 (f32x4.splat (f32.load (i32.add (local.get $aRow) (local.get $m)))))
                (local.set $s1 (f32x4.splat (f32.load (i32.add (i32.add (local.get $aRow) (local.get $kBytes)) (local.get $m)))))
                (local.set $s2 (f32x4.splat (f32.load (i32.add (i32.add (local.get $aRow) (i32.shl (local.get $kBytes) (i32.const 1))) (local.get $m)))))
                (local.set $b0 (v128.load (local.get $bAt)))
                (local.set $b1 (v128.load offset=16 (local.get $bAt)))
                (local.set $b2 (v128.load offset=32 (local.get $bAt)))
                (local.set $b3 (v128.load offset=48 (local.get $bAt)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s0) (local.get $b0))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s0) (local.get $b1))))
                (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $s0) (local.get $b2))))
                (local.set $c03 (f32x4.add (local.get $c03) (f32x4.mul (local.get $s0) (local.get $b3))))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s1) (local.get $b0))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s1) (local.get $b1))))
                (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $s1) (local.get $b2))))
                (local.set $c13 (f32x4.add (local.get $c13) (f32x4.mul (local.get $s1) (local.get $b3))))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s2) (local.get $b0))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s2) (local.get $b1))))
                (local.set $c22 (f32x4.add (local.get $c22) (f32x4.mul (local.get $s2) (local.get $b2))))
                (local.set $c23 (f32x4.add (local.get $c23) (f32x4.mul (local.get $s2) (local.get $b3))))
                (local.set $bAt (i32.add (local.get $bAt) (local.get $colBytes)))
                (local.set $m (i32.add (local.get $m) (i32.const 4)))
                (br $kLoop)))
            (v128.store offset=0 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 0)) (local.get $colBytes)) (local.get $j))) (local.get $c00))
            (v128.store offset=16 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 0)) (local.get $colBytes)) (local.get $j))) (local.get $c01))
            (v128.store offset=32 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 0)) (local.get $colBytes)) (local.get $j))) (local.get $c02))
            (v128.store offset=48 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 0)) (local.get $colBytes)) (local.get $j))) (local.get $c03))
            (v128.store offset=0 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 1)) (local.get $colBytes)) (local.get $j))) (local.get $c10))
            (v128.store offset=16 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 1)) (local.get $colBytes)) (local.get $j))) (local.get $c11))
            (v128.store offset=32 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 1)) (local.get $colBytes)) (local.get $j))) (local.get $c12))
            (v128.store offset=48 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 1)) (local.get $colBytes)) (local.get $j))) (local.get $c13))
            (v128.store offset=0 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 2)) (local.get $colBytes)) (local.get $j))) (local.get $c20))
            (v128.store offset=16 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 2)) (local.get $colBytes)) (local.get $j))) (local.get $c21))
            (v128.store offset=32 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 2)) (local.get $colBytes)) (local.get $j))) (local.get $c22))
            (v128.store offset=48 (i32.add (local.get $out) (i32.add (i32.mul (i32.add (local.get $t) (i32.const 2)) (local.get $colBytes)) (local.get $j))) (local.get $c23))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $colLoop)))
        (local.set $t (i32.add (local.get $t) (i32.const 3)))
        (br $rowLoop))))
;; im2colTap for the common case where the output has the input's size (stride 1, 'same'-style padding):
  ;; dst [planes, h, w] = src shifted by `shift` = top*w + left elements as one bulk copy, then the positions
  ;; whose tap falls outside the input zeroed: rows outside [rowLo, rowHi) of every plane and columns outside
  ;; [lo, hi) of every row (everything the shifted copy brought in from a neighbouring row or plane, or did
  ;; not write). src, dst: byte offsets.
  (func (export "im2colTapSame") (param $src i32) (param $dst i32) (param $planes i32) (param $h i32) (param $w i32)
    (param $shift i32) (param $rowLo i32) (param $rowHi i32) (param $lo i32) (param $hi i32)
    (local $total i32) (local $rows i32) (local $r i32) (local $p i32) (local $at i32) (local $end i32) (local $rowBytes i32)
    (local.set $total (i32.mul (local.get $planes) (i32.mul (local.get $h) (local.get $w))))
    (if (i32.ge_s (local.get $shift) (i32.const 0))
      (then (memory.copy (i32.add (local.get $dst) (i32.shl (local.get $shift) (i32.const 2))) (local.get $src)
        (i32.shl (i32.sub (local.get $total) (local.get $shift)) (i32.const 2))))
      (else (memory.copy (local.get $dst) (i32.sub (local.get $src) (i32.shl (local.get $shift) (i32.const 2)))
        (i32.shl (i32.add (local.get $total) (local.get $shift)) (i32.const 2)))))
    (local.set $rowBytes (i32.shl (local.get $w) (i32.const 2)))
    ;; columns outside [lo, hi) in every row
    (local.set $rows (i32.mul (local.get $planes) (local.get $h)))
    (local.set $r (i32.const 0))
    (local.set $at (local.get $dst))
    (block $colsDone
      (loop $colLoop
        (br_if $colsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $p (i32.const 0))
        (block $leftDone
          (loop $left
            (br_if $leftDone (i32.ge_s (local.get $p) (local.get $lo)))
            (f32.store (i32.add (local.get $at) (i32.shl (local.get $p) (i32.const 2))) (f32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $left)))
        (local.set $p (local.get $hi))
        (block $rightDone
          (loop $right
            (br_if $rightDone (i32.ge_s (local.get $p) (local.get $w)))
            (f32.store (i32.add (local.get $at) (i32.shl (local.get $p) (i32.const 2))) (f32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $right)))
        (local.set $at (i32.add (local.get $at) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $colLoop)))
    ;; rows outside [rowLo, rowHi) in every plane
    (local.set $p (i32.const 0))
    (block $planesDone
      (loop $planeLoop
        (br_if $planesDone (i32.ge_u (local.get $p) (local.get $planes)))
        (local.set $r (i32.const 0))
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $h)))
            (if (i32.or (i32.lt_s (local.get $r) (local.get $rowLo)) (i32.ge_s (local.get $r) (local.get $rowHi)))
              (then
                (local.set $at (i32.add (local.get $dst) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $h)) (local.get $r)) (local.get $rowBytes))))
                (local.set $end (i32.add (local.get $at) (local.get $rowBytes)))
                (block $zeroDone
                  (loop $zero
                    (br_if $zeroDone (i32.ge_u (local.get $at) (local.get $end)))
                    (f32.store (local.get $at) (f32.const 0))
                    (local.set $at (i32.add (local.get $at) (i32.const 4)))
                    (br $zero)))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rowLoop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $planeLoop))))
)
