// The inference benchmark, standalone (npm run build first): node bench/inference.mjs [--threads N] [--window-seconds S] [--load-requests N] [--predict-only]
// --predict-only: just the library predict rows (session.run vs predict vs PyTorch eager) and the event-loop lag.
// Section logic: src/bench/inference/run.ts (dist/bench/inference/index.js).
import { runInferenceBench } from '../dist/bench/inference/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
await runInferenceBench({ threads: arg('threads', 1), windowSeconds: arg('window-seconds', 1), loadRequests: arg('load-requests', 20000), predictOnly: process.argv.includes('--predict-only') });
