// The inference benchmark, standalone (npm run build first): node bench/inference.mjs [--threads N] [--window-seconds S] [--load-requests N]
// Section logic: bench/inference/run.ts (compiled by npm run build:bench).
import { runInferenceBench } from './inference/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
await runInferenceBench({ threads: arg('threads', 1), windowSeconds: arg('window-seconds', 1), loadRequests: arg('load-requests', 20000) });
