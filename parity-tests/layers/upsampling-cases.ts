/**
 * Parity cases of the transposed convolution and upsampling modules (nn.ConvTranspose2d, nn.Upsample and its
 * 2d variants, nn.PixelShuffle, nn.PixelUnshuffle) and their functions (F.conv_transpose2d, F.interpolate,
 * F.pixel_shuffle, F.pixel_unshuffle): output, input gradient and parameter gradients under the float64 policy.
 */
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/nn/functional/index.js';
import type { LayerCase } from './cases.js';
import type { FunctionalCase } from './functional-cases.js';
import { randn } from '../support/random.js';

export const UPSAMPLING_CASES: LayerCase[] = [
  { name: 'ConvTranspose2d(3,4,3)', make: () => new nn.ConvTranspose2d(3, 4, 3), torch: { type: 'ConvTranspose2d', args: [3, 4, 3] }, input: [2, 3, 5, 6], output: [2, 4, 7, 8] },
  {
    name: 'ConvTranspose2d(3,4,3,stride=2,padding=1,output_padding=1)',
    make: () => new nn.ConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    torch: { type: 'ConvTranspose2d', args: [3, 4, 3], kwargs: { stride: 2, padding: 1, output_padding: 1 } },
    input: [2, 3, 4, 5],
    output: [2, 4, 8, 10],
  },
  {
    name: 'ConvTranspose2d(4,6,(3,2),stride=(2,1),padding=(3,0),groups=2,dilation=(1,2),bias=False) (crop)',
    make: () => new nn.ConvTranspose2d(4, 6, [3, 2], { stride: [2, 1], padding: [3, 0], groups: 2, dilation: [1, 2], bias: false }),
    torch: { type: 'ConvTranspose2d', args: [4, 6, [3, 2]], kwargs: { stride: [2, 1], padding: [3, 0], groups: 2, dilation: [1, 2], bias: false } },
    input: [2, 4, 5, 4],
    output: [2, 6, 5, 6],
  },
  {
    name: 'ConvTranspose2d(2,3,4,stride=3,output_padding=2)',
    make: () => new nn.ConvTranspose2d(2, 3, 4, { stride: 3, outputPadding: 2 }),
    torch: { type: 'ConvTranspose2d', args: [2, 3, 4], kwargs: { stride: 3, output_padding: 2 } },
    input: [2, 2, 3, 3],
    output: [2, 3, 12, 12],
  },
  { name: 'Upsample(scale_factor=2)', make: () => new nn.Upsample({ scaleFactor: 2 }), torch: { type: 'Upsample', kwargs: { scale_factor: 2 } }, input: [2, 3, 4, 5], output: [2, 3, 8, 10] },
  { name: 'Upsample(size=(7,5))', make: () => new nn.Upsample({ size: [7, 5] }), torch: { type: 'Upsample', kwargs: { size: [7, 5] } }, input: [2, 3, 4, 3], output: [2, 3, 7, 5] },
  {
    name: "Upsample(scale_factor=1.5,mode='bilinear')",
    make: () => new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear' }),
    torch: { type: 'Upsample', kwargs: { scale_factor: 1.5, mode: 'bilinear' } },
    input: [2, 3, 5, 4],
    output: [2, 3, 7, 6],
  },
  {
    name: "Upsample(size=(6,9),mode='bilinear',align_corners=True)",
    make: () => new nn.Upsample({ size: [6, 9], mode: 'bilinear', alignCorners: true }),
    torch: { type: 'Upsample', kwargs: { size: [6, 9], mode: 'bilinear', align_corners: true } },
    input: [2, 3, 4, 5],
    output: [2, 3, 6, 9],
  },
  {
    name: "Upsample(size=(3,4),mode='bilinear') downsampling",
    make: () => new nn.Upsample({ size: [3, 4], mode: 'bilinear' }),
    torch: { type: 'Upsample', kwargs: { size: [3, 4], mode: 'bilinear' } },
    input: [2, 3, 7, 9],
    output: [2, 3, 3, 4],
  },
  {
    name: "Upsample(scale_factor=(2,3),mode='nearest-exact')",
    make: () => new nn.Upsample({ scaleFactor: [2, 3], mode: 'nearest-exact' }),
    torch: { type: 'Upsample', kwargs: { scale_factor: [2, 3], mode: 'nearest-exact' } },
    input: [2, 3, 3, 4],
    output: [2, 3, 6, 12],
  },
  {
    name: "Upsample(scale_factor=2.5,mode='linear') 3-D",
    make: () => new nn.Upsample({ scaleFactor: 2.5, mode: 'linear' }),
    torch: { type: 'Upsample', kwargs: { scale_factor: 2.5, mode: 'linear' } },
    input: [2, 3, 5],
    output: [2, 3, 12],
  },
  {
    name: 'UpsamplingBilinear2d(scale_factor=2)',
    make: () => new nn.UpsamplingBilinear2d({ scaleFactor: 2 }),
    torch: { type: 'UpsamplingBilinear2d', kwargs: { scale_factor: 2 } },
    input: [2, 2, 3, 4],
    output: [2, 2, 6, 8],
  },
  {
    name: 'UpsamplingNearest2d(size=(5,7))',
    make: () => new nn.UpsamplingNearest2d({ size: [5, 7] }),
    torch: { type: 'UpsamplingNearest2d', kwargs: { size: [5, 7] } },
    input: [2, 2, 3, 4],
    output: [2, 2, 5, 7],
  },
  { name: 'PixelShuffle(2)', make: () => new nn.PixelShuffle(2), torch: { type: 'PixelShuffle', args: [2] }, input: [2, 12, 3, 4], output: [2, 3, 6, 8] },
  { name: 'PixelUnshuffle(3)', make: () => new nn.PixelUnshuffle(3), torch: { type: 'PixelUnshuffle', args: [3] }, input: [2, 2, 6, 9], output: [2, 18, 2, 3] },
];

export const UPSAMPLING_FUNCTIONAL_CASES: FunctionalCase[] = [
  {
    name: 'F.conv_transpose2d stride 2 padding 1 output_padding 1 groups 2',
    op: 'conv_transpose2d',
    kwargs: { stride: 2, padding: 1, output_padding: 1, groups: 2 },
    input: randn('f/convt/x', [2, 4, 3, 5]),
    extra: [
      ['weight', randn('f/convt/w', [4, 3, 3, 3], 0.3)],
      ['bias', randn('f/convt/b', [6], 0.3)],
    ],
    ours: (x, w, b) => F.conv_transpose2d(x, w!, b!, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
  },
  {
    name: "F.interpolate scale_factor=(1.5,2) mode='bilinear' align_corners=True",
    op: 'interpolate',
    kwargs: { scale_factor: [1.5, 2], mode: 'bilinear', align_corners: true },
    input: randn('f/interp/x', [2, 3, 5, 4]),
    ours: (x) => F.interpolate(x, { scaleFactor: [1.5, 2], mode: 'bilinear', alignCorners: true }),
  },
  {
    name: "F.interpolate size=(9,2) mode='nearest'",
    op: 'interpolate',
    kwargs: { size: [9, 2], mode: 'nearest' },
    input: randn('f/interpn/x', [2, 3, 5, 4]),
    ours: (x) => F.interpolate(x, { size: [9, 2] }),
  },
  { name: 'F.pixel_shuffle(3) 5-D', op: 'pixel_shuffle', kwargs: { upscale_factor: 3 }, input: randn('f/ps/x', [2, 2, 9, 2, 3]), ours: (x) => F.pixel_shuffle(x, 3) },
  { name: 'F.pixel_unshuffle(2)', op: 'pixel_unshuffle', kwargs: { downscale_factor: 2 }, input: randn('f/pus/x', [2, 3, 4, 6]), ours: (x) => F.pixel_unshuffle(x, 2) },
];
