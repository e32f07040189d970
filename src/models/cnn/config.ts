/** CNNConfig: the three-convolution image classifier. */
export interface CNNConfig {
  /** Channels of the input image (1 for MNIST). */
  inChannels: number;
  /** Input height and width (default [28, 28]). */
  imageSize: [number, number];
  /** Output channels of the conv blocks, in order (default [16, 32, 64]). */
  channels: number[];
  /** Number of output classes (default 10). */
  numClasses: number;
  /** BatchNorm2d after each convolution (then the convolution has no bias) (default false). */
  batchNorm: boolean;
  /** Dropout probability before the Linear head; 0 = no Dropout layer (default 0). */
  dropout: number;
}

export const CNN_DEFAULTS: CNNConfig = { inChannels: 1, imageSize: [28, 28], channels: [16, 32, 64], numClasses: 10, batchNorm: false, dropout: 0 };
