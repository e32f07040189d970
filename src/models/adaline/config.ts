/** AdalineConfig: Widrow & Hoff's adaptive linear neuron on flattened inputs. */
export interface AdalineConfig {
  /** Number of input features (784 for 28x28 digits). */
  inFeatures: number;
}

export const ADALINE_DEFAULTS: AdalineConfig = { inFeatures: 784 };
