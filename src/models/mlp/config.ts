/** MLPConfig: a multi-layer perceptron over flattened inputs. */
export interface MLPConfig {
  /** Number of input features (784 for 28x28 digits). */
  inFeatures: number;
  /** Hidden layer widths, in order (default [256, 128]). */
  hidden: number[];
  /** Number of output classes (default 10). */
  numClasses: number;
  /** Dropout probability after each hidden ReLU; 0 = no Dropout layers (default 0). */
  dropout: number;
}

export const MLP_DEFAULTS: MLPConfig = { inFeatures: 784, hidden: [256, 128], numClasses: 10, dropout: 0 };
