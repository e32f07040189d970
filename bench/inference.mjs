// The inference benchmark, standalone (npm run build && npm run build:bench first):
//   node bench/inference.mjs [--threads N] [--window-seconds S] [--load-requests N] [--predict-only] [--only kserve]
// --predict-only: just the library predict rows (session.run vs predict vs PyTorch eager) and the event-loop lag.
// --only kserve: just twinml serve vs KServe's ModelServer on the shipped models/mnist-mlp.
// Section logic: bench/inference/run.ts (compiled by npm run build:bench).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatKserve, measureAgainstKserve, runInferenceBench } from './inference/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const threads = Number(arg('threads', 1));
const windowSeconds = Number(arg('window-seconds', 1));
if (arg('only') === 'kserve') {
  const models = join(fileURLToPath(import.meta.url), '..', '..', 'models');
  const result = await measureAgainstKserve({ models, modelDir: join(models, 'mnist-mlp', '1'), name: 'mnist-mlp', sampleShape: [1, 28, 28], threads, windowSeconds });
  console.log(formatKserve(result).join('\n'));
  console.log(JSON.stringify(result));
} else {
  await runInferenceBench({ threads, windowSeconds, loadRequests: Number(arg('load-requests', 20000)), predictOnly: process.argv.includes('--predict-only') });
}
