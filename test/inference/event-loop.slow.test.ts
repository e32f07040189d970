/**
 * Sessions run in worker threads: during heavy inference the caller's event loop keeps ticking. The same work on
 * the calling thread (workers: 0) shows the lag the pool removes, so the measurement itself is checked.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/inference/index.js';
import { fixtureModels } from './fixtures/models.js';

const fixtures = fixtureModels('inference event loop');

async function measure(workers: number): Promise<{ perRunMs: number; p50LagMs: number; maxLagMs: number }> {
  const model = await loadModel(join(fixtures!, 'mnist-cnn', '1'), { workers, intraOpThreads: 1 });
  try {
    const input = { data: new Float32Array(2048 * 784).fill(0.3), shape: [2048, 1, 28, 28] };
    await model.predict(input); // warm-up
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const start = performance.now();
    for (let i = 0; i < 4; i++) {
      await model.predict(input);
      // A server returns to the loop between requests (I/O). On the calling thread the run itself is synchronous
      // and its promise already settled, so without this turn no timer would fire and nothing would be measured.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const perRunMs = (performance.now() - start) / 4;
    histogram.disable();
    return { perRunMs, p50LagMs: histogram.percentile(50) / 1e6, maxLagMs: histogram.max / 1e6 };
  } finally {
    await model.close();
  }
}

describe.skipIf(!fixtures)('event loop during inference', () => {
  it('stays responsive with the worker pool and blocks without it', async () => {
    const pooled = await measure(1);
    const inThread = await measure(0);
    console.log(
      `timer lag: worker pool p50 ${pooled.p50LagMs.toFixed(2)} ms, max ${pooled.maxLagMs.toFixed(1)} ms (run ${pooled.perRunMs.toFixed(0)} ms); ` +
        `same thread p50 ${inThread.p50LagMs.toFixed(1)} ms, max ${inThread.maxLagMs.toFixed(1)} ms (run ${inThread.perRunMs.toFixed(0)} ms)`,
    );
    expect(inThread.p50LagMs).toBeGreaterThan(0.5 * inThread.perRunMs); // the monitor sees a blocked loop
    expect(pooled.p50LagMs).toBeLessThan(0.1 * inThread.perRunMs);
    expect(pooled.maxLagMs).toBeLessThan(inThread.maxLagMs);
  });
});
