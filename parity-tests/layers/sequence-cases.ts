/**
 * Sequence-model cases (issue 16): F.layer_norm, F.rms_norm, F.scaled_dot_product_attention, masked_fill, triu,
 * tril, topk, and the modules built on them. Shapes are small, odd and asymmetric (L != S != E), batch > 1.
 */
import * as F from '../../src/nn/functional/index.js';
import * as nn from '../../src/nn/index.js';
import { masked_fill, topk, triu, tril } from '../../src/nn/tensor-ops.js';
import { Rng } from '../../src/util/rng.js';
import type { HostTensor } from '../../src/util/host-tensor.js';
import { PARITY_SEED, randn } from '../../src/parity/random.js';
import type { SequenceCase } from './sequence-runner.js';

/**
 * A random bool tensor (true with probability `p`). Every row of the last dimension keeps at least one `keep`
 * value (true for SDPA masks, where true takes part; false for MultiheadAttention masks, where true is masked).
 */
export function randomBool(label: string, shape: number[], p = 0.7, keep = true): HostTensor {
  const rng = Rng.derive(PARITY_SEED, label);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.random() < p ? 1 : 0;
  const last = shape[shape.length - 1]!;
  for (let r = 0; r < n / last; r++) data[r * last + rng.randint(last)] = keep ? 1 : 0;
  return { dtype: 'bool', shape, data };
}

const T = (name: string) => ({ tensor: name });

export const FUNCTION_SEQUENCE_CASES: SequenceCase[] = [
  {
    name: 'F.layer_norm [3,5,7] over (7,) with weight and bias, eps 1e-5',
    inputs: { x: randn('ln/x', [3, 5, 7], 2), w: randn('ln/w', [7]), b: randn('ln/b', [7]) },
    gradInputs: ['x', 'w', 'b'],
    torch: { kind: 'function', op: 'layer_norm' },
    args: [T('x'), [7], T('w'), T('b'), 1e-5],
    ours: (t) => F.layer_norm(t.x!, [7], t.w!, t.b!, 1e-5),
  },
  {
    name: 'F.layer_norm [2,3,5,4] over (5,4), no affine, eps 1e-3',
    inputs: { x: randn('ln2/x', [2, 3, 5, 4], 3) },
    gradInputs: ['x'],
    torch: { kind: 'function', op: 'layer_norm' },
    args: [T('x'), [5, 4]],
    kwargs: { eps: 1e-3 },
    ours: (t) => F.layer_norm(t.x!, [5, 4], null, null, 1e-3),
  },
  {
    name: 'F.rms_norm [3,5,7] over (7,) with weight, eps None',
    inputs: { x: randn('rms/x', [3, 5, 7], 2), w: randn('rms/w', [7]) },
    gradInputs: ['x', 'w'],
    torch: { kind: 'function', op: 'rms_norm' },
    args: [T('x'), [7], T('w')],
    ours: (t) => F.rms_norm(t.x!, [7], t.w!),
  },
  {
    name: 'F.rms_norm [2,3,6] over (3,6), eps 1e-4',
    inputs: { x: randn('rms2/x', [2, 3, 6]) },
    gradInputs: ['x'],
    torch: { kind: 'function', op: 'rms_norm' },
    args: [T('x'), [3, 6]],
    kwargs: { eps: 1e-4 },
    ours: (t) => F.rms_norm(t.x!, [3, 6], null, 1e-4),
  },
  {
    name: 'F.scaled_dot_product_attention [2,3,5,4] x [2,3,6,4] -> Ev 7',
    inputs: { q: randn('sdpa/q', [2, 3, 5, 4]), k: randn('sdpa/k', [2, 3, 6, 4]), v: randn('sdpa/v', [2, 3, 6, 7]) },
    gradInputs: ['q', 'k', 'v'],
    torch: { kind: 'function', op: 'scaled_dot_product_attention' },
    args: [T('q'), T('k'), T('v')],
    ours: (t) => F.scaled_dot_product_attention(t.q!, t.k!, t.v!),
  },
  {
    name: 'F.scaled_dot_product_attention is_causal L=6 S=6, scale 0.3',
    inputs: { q: randn('sdpac/q', [3, 6, 5], 2), k: randn('sdpac/k', [3, 6, 5]), v: randn('sdpac/v', [3, 6, 4]) },
    gradInputs: ['q', 'k', 'v'],
    torch: { kind: 'function', op: 'scaled_dot_product_attention' },
    args: [T('q'), T('k'), T('v')],
    kwargs: { is_causal: true, scale: 0.3 },
    ours: (t) => F.scaled_dot_product_attention(t.q!, t.k!, t.v!, { isCausal: true, scale: 0.3 }),
  },
  {
    name: 'F.scaled_dot_product_attention is_causal L=4 S=7 (top-left aligned)',
    inputs: { q: randn('sdpac2/q', [2, 4, 5]), k: randn('sdpac2/k', [2, 7, 5]), v: randn('sdpac2/v', [2, 7, 3]) },
    gradInputs: ['q', 'k', 'v'],
    torch: { kind: 'function', op: 'scaled_dot_product_attention' },
    args: [T('q'), T('k'), T('v')],
    kwargs: { is_causal: true },
    ours: (t) => F.scaled_dot_product_attention(t.q!, t.k!, t.v!, { isCausal: true }),
  },
  {
    name: 'F.scaled_dot_product_attention bool attn_mask [5,6] broadcast',
    inputs: { q: randn('sdpab/q', [2, 3, 5, 4]), k: randn('sdpab/k', [2, 3, 6, 4]), v: randn('sdpab/v', [2, 3, 6, 4]), m: randomBool('sdpab/m', [5, 6]) },
    gradInputs: ['q', 'k', 'v'],
    torch: { kind: 'function', op: 'scaled_dot_product_attention' },
    args: [T('q'), T('k'), T('v')],
    kwargs: { attn_mask: T('m') },
    ours: (t) => F.scaled_dot_product_attention(t.q!, t.k!, t.v!, { attnMask: t.m! }),
  },
  {
    name: 'F.scaled_dot_product_attention float attn_mask [2,1,5,6]',
    inputs: { q: randn('sdpaf/q', [2, 3, 5, 4]), k: randn('sdpaf/k', [2, 3, 6, 4]), v: randn('sdpaf/v', [2, 3, 6, 4]), m: randn('sdpaf/m', [2, 1, 5, 6], 2) },
    gradInputs: ['q', 'k', 'v', 'm'],
    torch: { kind: 'function', op: 'scaled_dot_product_attention' },
    args: [T('q'), T('k'), T('v')],
    kwargs: { attn_mask: T('m') },
    ours: (t) => F.scaled_dot_product_attention(t.q!, t.k!, t.v!, { attnMask: t.m! }),
  },
  {
    name: 'masked_fill with a broadcast bool mask and -inf',
    inputs: { x: randn('mf/x', [3, 5, 7]), m: randomBool('mf/m', [5, 7], 0.4) },
    gradInputs: ['x'],
    torch: { kind: 'function', op: 'masked_fill' },
    args: [T('x'), T('m'), { float: '-inf' }],
    ours: (t) => masked_fill(t.x!, t.m!, -Infinity),
  },
  {
    name: 'masked_fill value 2.5',
    inputs: { x: randn('mf2/x', [4, 6]), m: randomBool('mf2/m', [4, 6], 0.5) },
    gradInputs: ['x'],
    torch: { kind: 'function', op: 'masked_fill' },
    args: [T('x'), T('m'), 2.5],
    ours: (t) => masked_fill(t.x!, t.m!, 2.5),
  },
  { name: 'triu [2,5,7]', inputs: { x: randn('triu/x', [2, 5, 7]) }, gradInputs: ['x'], torch: { kind: 'function', op: 'triu' }, args: [T('x')], ours: (t) => triu(t.x!) },
  { name: 'triu diagonal=2', inputs: { x: randn('triu2/x', [6, 5]) }, gradInputs: ['x'], torch: { kind: 'function', op: 'triu' }, args: [T('x'), 2], ours: (t) => triu(t.x!, 2) },
  { name: 'tril [3,6,4]', inputs: { x: randn('tril/x', [3, 6, 4]) }, gradInputs: ['x'], torch: { kind: 'function', op: 'tril' }, args: [T('x')], ours: (t) => tril(t.x!) },
  { name: 'tril diagonal=-1', inputs: { x: randn('tril2/x', [5, 7]) }, gradInputs: ['x'], torch: { kind: 'function', op: 'tril' }, args: [T('x'), -1], ours: (t) => tril(t.x!, -1) },
  {
    name: 'topk k=3 last dim',
    inputs: { x: randn('topk/x', [4, 9]) },
    gradInputs: ['x'],
    torch: { kind: 'function', op: 'topk' },
    args: [T('x'), 3],
    ours: (t) => {
      const r = topk(t.x!, 3);
      return [r.values, r.indices];
    },
  },
  {
    name: 'topk k=2 dim=1 smallest',
    inputs: { x: randn('topk2/x', [3, 6, 5]) },
    gradInputs: ['x'],
    torch: { kind: 'function', op: 'topk' },
    args: [T('x'), 2],
    kwargs: { dim: 1, largest: false },
    ours: (t) => {
      const r = topk(t.x!, 2, { dim: 1, largest: false });
      return [r.values, r.indices];
    },
  },
];

export const MODULE_SEQUENCE_CASES: SequenceCase[] = [
  {
    name: 'LayerNorm(7) random affine',
    inputs: { x: randn('mln/x', [3, 5, 7], 2) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'LayerNorm', args: [7] } },
    args: [T('x')],
    make: () => new nn.LayerNorm(7),
    randomWeights: true,
    ours: (t, m) => (m as nn.LayerNorm).call(t.x!),
  },
  {
    name: 'LayerNorm([5,4], eps=1e-3, bias=False)',
    inputs: { x: randn('mln2/x', [2, 3, 5, 4]) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'LayerNorm', args: [[5, 4]], kwargs: { eps: 1e-3, bias: false } } },
    args: [T('x')],
    make: () => new nn.LayerNorm([5, 4], { eps: 1e-3, bias: false }),
    randomWeights: true,
    ours: (t, m) => (m as nn.LayerNorm).call(t.x!),
  },
  {
    name: 'LayerNorm(6, elementwise_affine=False)',
    inputs: { x: randn('mln3/x', [4, 6], 3) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'LayerNorm', args: [6], kwargs: { elementwise_affine: false } } },
    args: [T('x')],
    make: () => new nn.LayerNorm(6, { elementwiseAffine: false }),
    ours: (t, m) => (m as nn.LayerNorm).call(t.x!),
  },
  {
    name: 'RMSNorm(7) random weight',
    inputs: { x: randn('mrms/x', [3, 5, 7], 2) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'RMSNorm', args: [7] } },
    args: [T('x')],
    make: () => new nn.RMSNorm(7),
    randomWeights: true,
    ours: (t, m) => (m as nn.RMSNorm).call(t.x!),
  },
  {
    name: 'RMSNorm([3,6], eps=1e-5)',
    inputs: { x: randn('mrms2/x', [2, 3, 6]) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'RMSNorm', args: [[3, 6]], kwargs: { eps: 1e-5 } } },
    args: [T('x')],
    make: () => new nn.RMSNorm([3, 6], { eps: 1e-5 }),
    randomWeights: true,
    ours: (t, m) => (m as nn.RMSNorm).call(t.x!),
  },
];

/** [L, S] bool mask, true above the diagonal (torch's MultiheadAttention convention: true = not attended). */
function causalBool(l: number, s: number): HostTensor {
  const data = new Uint8Array(l * s);
  for (let i = 0; i < l; i++) for (let j = 0; j < s; j++) data[i * s + j] = j > i ? 1 : 0;
  return { dtype: 'bool', shape: [l, s], data };
}

/** [L, S] float mask, -inf above the diagonal (Transformer.generate_square_subsequent_mask). */
function causalFloat(l: number): HostTensor {
  const data = new Float32Array(l * l);
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) data[i * l + j] = j > i ? -Infinity : 0;
  return { dtype: 'float32', shape: [l, l], data };
}

type Tensors = Record<string, import('@tensorflow/tfjs-core').Tensor>;
const mha = (m: unknown) => m as nn.MultiheadAttention;
const small = { dim_feedforward: 16, dropout: 0 };

export const TRANSFORMER_CASES: SequenceCase[] = [
  {
    name: 'MultiheadAttention(8,2) self-attention [L,N,E], weights averaged, train',
    inputs: { x: randn('mha1/x', [5, 3, 8]) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'MultiheadAttention', args: [8, 2] } },
    args: [T('x'), T('x'), T('x')],
    make: () => new nn.MultiheadAttention(8, 2),
    randomWeights: true,
    train: true,
    ours: (t: Tensors, m) => mha(m).call(t.x!, t.x!, t.x!),
  },
  {
    name: 'MultiheadAttention(8,2,batch_first) cross, key_padding_mask + bool attn_mask, per-head weights',
    inputs: { q: randn('mha2/q', [3, 5, 8]), k: randn('mha2/k', [3, 6, 8]), v: randn('mha2/v', [3, 6, 8]), kpm: randomBool('mha2/kpm', [3, 6], 0.3, false), am: randomBool('mha2/am', [5, 6], 0.3, false) },
    gradInputs: ['q', 'k', 'v'],
    torch: { kind: 'module', spec: { type: 'MultiheadAttention', args: [8, 2], kwargs: { batch_first: true } } },
    args: [T('q'), T('k'), T('v')],
    kwargs: { key_padding_mask: T('kpm'), attn_mask: T('am'), average_attn_weights: false },
    make: () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
    randomWeights: true,
    ours: (t: Tensors, m) => mha(m).call(t.q!, t.k!, t.v!, { keyPaddingMask: t.kpm!, attnMask: t.am!, averageAttnWeights: false }),
  },
  {
    name: 'MultiheadAttention(6,3,kdim=5,vdim=7,bias=False) need_weights=False, float 3-D attn_mask',
    inputs: { q: randn('mha3/q', [4, 2, 6]), k: randn('mha3/k', [5, 2, 5]), v: randn('mha3/v', [5, 2, 7]), am: randn('mha3/am', [6, 4, 5]) },
    gradInputs: ['q', 'k', 'v', 'am'],
    torch: { kind: 'module', spec: { type: 'MultiheadAttention', args: [6, 3], kwargs: { kdim: 5, vdim: 7, bias: false } } },
    args: [T('q'), T('k'), T('v')],
    kwargs: { need_weights: false, attn_mask: T('am') },
    make: () => new nn.MultiheadAttention(6, 3, { kdim: 5, vdim: 7, bias: false }),
    randomWeights: true,
    ours: (t: Tensors, m) => mha(m).call(t.q!, t.k!, t.v!, { needWeights: false, attnMask: t.am! }),
  },
  {
    name: 'MultiheadAttention(8,4) unbatched [L,E], is_causal with the causal mask, need_weights=False',
    inputs: { x: randn('mha4/x', [6, 8]), am: causalBool(6, 6) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'MultiheadAttention', args: [8, 4] } },
    args: [T('x'), T('x'), T('x')],
    kwargs: { need_weights: false, attn_mask: T('am'), is_causal: true },
    make: () => new nn.MultiheadAttention(8, 4),
    randomWeights: true,
    ours: (t: Tensors, m) => mha(m).call(t.x!, t.x!, t.x!, { needWeights: false, attnMask: t.am!, isCausal: true }),
  },
  {
    name: 'TransformerEncoderLayer(8,2,16,dropout=0) post-norm, causal float src_mask, train',
    inputs: { x: randn('tel1/x', [5, 3, 8]), mask: causalFloat(5) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'TransformerEncoderLayer', args: [8, 2], kwargs: small } },
    args: [T('x')],
    kwargs: { src_mask: T('mask'), is_causal: true },
    make: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }),
    randomWeights: true,
    train: true,
    ours: (t: Tensors, m) => (m as nn.TransformerEncoderLayer).call(t.x!, { srcMask: t.mask!, isCausal: true }),
  },
  {
    name: "TransformerEncoderLayer gelu, batch_first, norm_first, src_key_padding_mask",
    inputs: { x: randn('tel2/x', [3, 5, 8]), kpm: randomBool('tel2/kpm', [3, 5], 0.3, false) },
    gradInputs: ['x'],
    torch: { kind: 'module', spec: { type: 'TransformerEncoderLayer', args: [8, 2], kwargs: { ...small, activation: 'gelu', batch_first: true, norm_first: true } } },
    args: [T('x')],
    kwargs: { src_key_padding_mask: T('kpm') },
    make: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true }),
    randomWeights: true,
    ours: (t: Tensors, m) => (m as nn.TransformerEncoderLayer).call(t.x!, { srcKeyPaddingMask: t.kpm! }),
  },
  {
    name: 'TransformerDecoderLayer(8,2,16,dropout=0,batch_first) causal tgt_mask, memory_key_padding_mask',
    inputs: { x: randn('tdl/x', [3, 5, 8]), mem: randn('tdl/mem', [3, 6, 8]), tm: causalBool(5, 5), mkpm: randomBool('tdl/mkpm', [3, 6], 0.3, false) },
    gradInputs: ['x', 'mem'],
    torch: { kind: 'module', spec: { type: 'TransformerDecoderLayer', args: [8, 2], kwargs: { ...small, batch_first: true } } },
    args: [T('x'), T('mem')],
    kwargs: { tgt_mask: T('tm'), memory_key_padding_mask: T('mkpm'), tgt_is_causal: true },
    make: () => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true }),
    randomWeights: true,
    ours: (t: Tensors, m) => (m as nn.TransformerDecoderLayer).call(t.x!, t.mem!, { tgtMask: t.tm!, memoryKeyPaddingMask: t.mkpm!, tgtIsCausal: true }),
  },
  {
    name: 'TransformerDecoderLayer norm_first, bias=False, [T,N,E]',
    inputs: { x: randn('tdl2/x', [4, 2, 8]), mem: randn('tdl2/mem', [7, 2, 8]) },
    gradInputs: ['x', 'mem'],
    torch: { kind: 'module', spec: { type: 'TransformerDecoderLayer', args: [8, 2], kwargs: { ...small, norm_first: true, bias: false } } },
    args: [T('x'), T('mem')],
    make: () => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, normFirst: true, bias: false }),
    randomWeights: true,
    ours: (t: Tensors, m) => (m as nn.TransformerDecoderLayer).call(t.x!, t.mem!),
  },
  {
    name: 'TransformerEncoder(layer, 2, norm=LayerNorm(8)) with a causal mask',
    inputs: { x: randn('te/x', [5, 3, 8]), mask: causalFloat(5) },
    gradInputs: ['x'],
    torch: {
      kind: 'module',
      spec: { type: 'TransformerEncoder', args: [{ module: { type: 'TransformerEncoderLayer', args: [8, 2], kwargs: small } }, 2], kwargs: { norm: { module: { type: 'LayerNorm', args: [8] } }, enable_nested_tensor: false } },
    },
    args: [T('x')],
    kwargs: { mask: T('mask') },
    make: () => {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
      const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
      layer.dispose();
      return encoder;
    },
    randomWeights: true,
    ours: (t: Tensors, m) => (m as nn.TransformerEncoder).call(t.x!, { mask: t.mask! }),
  },
  {
    name: 'TransformerDecoder(layer, 2) batch_first',
    inputs: { x: randn('td/x', [2, 4, 8]), mem: randn('td/mem', [2, 5, 8]) },
    gradInputs: ['x', 'mem'],
    torch: { kind: 'module', spec: { type: 'TransformerDecoder', args: [{ module: { type: 'TransformerDecoderLayer', args: [8, 2], kwargs: { ...small, batch_first: true } } }, 2] } },
    args: [T('x'), T('mem')],
    make: () => {
      const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
      const decoder = new nn.TransformerDecoder(layer, 2);
      layer.dispose();
      return decoder;
    },
    randomWeights: true,
    ours: (t: Tensors, m) => (m as nn.TransformerDecoder).call(t.x!, t.mem!),
  },
];
