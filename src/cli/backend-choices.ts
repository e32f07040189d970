/** Backend names and backend options for option parsing, without loading tfjs (keeps `--help` fast). */
export const BACKEND_CHOICES = ['auto', 'torch', 'tensorflow', 'wasm', 'cpu'] as const;

/** yargs options for the torch backend's device and threads (verbs that compute add them beside --backend). */
export const BACKEND_OPTION_FLAGS = {
  device: { type: 'string', describe: "torch backend: device to compute on: cpu (default), cuda, cuda:N or mps" },
  threads: { type: 'number', describe: 'torch backend: intra-op threads (torch.set_num_threads); default: all cores' },
} as const;
