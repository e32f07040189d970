/** Backend names for option parsing, without loading tfjs (keeps `--help` fast). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
