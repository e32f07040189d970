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

/** A random bool tensor (true with probability `p`), with every row of the last dimension keeping one true. */
export function randomBool(label: string, shape: number[], p = 0.7): HostTensor {
  const rng = Rng.derive(PARITY_SEED, label);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.random() < p ? 1 : 0;
  const last = shape[shape.length - 1]!;
  for (let r = 0; r < n / last; r++) data[r * last + rng.randint(last)] = 1;
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
