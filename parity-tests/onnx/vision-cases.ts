/** The vision cases of the ONNX parity suite: VisionNet (every conv/pool/norm/activation module) three ways. */
import { VISION_SAMPLE, VisionNet, randomizeRunningStats } from '../../test/onnx/vision-fixtures.js';
import type { ParityCase } from './cases.js';

export const VISION_PARITY_CASES: ParityCase[] = [
  {
    name: 'custom vision (conv/pool/norm/activation modules, ceil_mode, groups, dilation)',
    build: () => {
      const model = new VisionNet([2, 2], null);
      randomizeRunningStats(model, 9);
      return model;
    },
    sample: VISION_SAMPLE,
    module: 'custom_models',
    className: 'VisionNet',
    kwargs: { adaptive: [2, 2], divisor_override: null },
  },
  {
    name: 'custom vision with AvgPool2d divisor_override',
    build: () => {
      const model = new VisionNet([2, 2], 3);
      randomizeRunningStats(model, 10);
      return model;
    },
    sample: VISION_SAMPLE,
    module: 'custom_models',
    className: 'VisionNet',
    kwargs: { adaptive: [2, 2], divisor_override: 3 },
    torchExportIssue: 'torch.onnx.export ignores AvgPool2d divisor_override (its file divides by kh*kw)',
  },
  {
    name: 'custom vision with uneven adaptive pooling',
    build: () => {
      const model = new VisionNet([3, 2], 3);
      randomizeRunningStats(model, 11);
      return model;
    },
    sample: VISION_SAMPLE,
    module: 'custom_models',
    className: 'VisionNet',
    kwargs: { adaptive: [3, 2], divisor_override: 3 },
    noTorchExport: 'torch.onnx.export rejects adaptive_avg_pool2d whose output size does not divide the input size',
  },
];
