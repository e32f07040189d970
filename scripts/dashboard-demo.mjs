// Feeds the reporter chosen by createReporter a synthetic run (no training), to look at the dashboard:
//   npm run build && node scripts/dashboard-demo.mjs [--log-format auto|tty|plain|json] [--batches N] [--ms M]
import { createReporter } from '../dist/train/dashboard/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const epochs = 3;
const batchesPerEpoch = Number(arg('batches', 60));
const ms = Number(arg('ms', 30));
let stop = false;
const reporter = createReporter({ logFormat: arg('log-format', 'auto'), onStopRequested: () => (stop = true) });
const classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
reporter.onStart({
  runName: 'demo', runDir: 'runs/demo', model: 'mlp', epochs, batchesPerEpoch, batchSize: 64,
  trainSamples: batchesPerEpoch * 64, valSamples: 1000, classes,
  classHistogram: classes.map((_, i) => 500 + ((i * 37) % 120)), startEpoch: 1, startBatch: 0, startStep: 0,
});
let step = 0;
const t0 = performance.now();
outer: for (let e = 1; e <= epochs; e++) {
  for (let b = 0; b < batchesPerEpoch; b++) {
    await new Promise((r) => setTimeout(r, ms));
    step++;
    const loss = 2.3 * Math.exp(-step / 40) + 0.1 + 0.05 * Math.sin(step * 1.7);
    reporter.onBatch({ epoch: e, batch: b, step, loss, accuracy: Math.min(1, 1 - loss / 2.5), lr: 1e-3 * 0.5 ** (e - 1),
      samplesPerSecond: 64000 / ms, rssBytes: process.memoryUsage().rss, numTensors: 42 });
    if (stop) break outer;
  }
  reporter.onEpoch({ epoch: e, step, trainLoss: 2.3 * Math.exp(-step / 40) + 0.12, trainAccuracy: 0.9 + e * 0.02,
    valLoss: 2.3 * Math.exp(-step / 45) + 0.15, valAccuracy: 0.88 + e * 0.02, lr: 1e-3 * 0.5 ** (e - 1), seconds: 1 });
}
reporter.onEnd({ stopReason: stop ? 'user' : 'completed', epochsCompleted: epochs, steps: step,
  seconds: (performance.now() - t0) / 1000, outputs: { report: 'runs/demo/report.html' } });
