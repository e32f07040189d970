/**
 * The library `predict` rows of the inference benchmark: onnxruntime-node's own in-thread `session.run` (the
 * floor), `loadModel(...).predict` with its defaults, and PyTorch eager (bench/torch_infer.py), for mnist-mlp and
 * mnist-cnn at batch 1 and 64; plus the event-loop lag during batch-2048 cnn inference.
 *
 * `session.run`, `predict` and the pool-only `predict` are timed in alternating short blocks of consecutive calls
 * (the order rotating each round), so load from other processes falls on all of them alike; each figure is the
 * median of its per-call times (robust to calls a busy machine preempted), and `predict`'s overhead is the median of
 * the per-round differences median(predict block) - median(session.run block).
 *
 * Blocks, not single calls: each variant holds its own copy of the weights (three sessions), and mnist-mlp's are
 * 0.94 MB. Rotating call by call cycles 2.8 MB through this machine's 2 MB per-core L2, so every call read its
 * weights from L3 and session.run measured 40-47 us instead of the 15-18 us of consecutive calls on one session
 * (what a served model does, and how PyTorch's single module is timed). A block's first calls pay the refill; the
 * median does not see them.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay, performance as perf } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { loadModel } from '../../dist/inference/index.js';
import { createSession, releaseSession, toOrtFeeds } from '../../dist/inference/ort-session.js';
import { median } from '../section.js';

/** One model and batch size. */
export interface PredictLatencyRow {
  model: string;
  batch: number;
  /** PyTorch eager, torch.inference_mode (bench/torch_infer.py). */
  torchMs: number;
  /** onnxruntime-node's own `await session.run(feeds)` on the calling thread, input tensor built once. */
  ortSessionRunMs: number;
  /** `loadModel(dir).predict({ data, shape })` with its defaults (cheap calls in-thread, heavy ones in a worker). */
  predictMs: number;
  /** Every call through the worker pool (`inThreadBelowMs: 0`), the path before the in-thread fast path. */
  poolOnlyMs: number;
  /** Median over rounds of predict - session.run (the two blocks' medians), in microseconds. */
  predictOverheadUs: number;
  /** predictMs / ortSessionRunMs. */
  predictOverOrt: number;
  /** torchMs / predictMs (> 1: predict is faster than PyTorch eager). */
  speedupVsTorch: number;
  /** How the measured predict calls were routed. */
  paths: { inThread: number; worker: number };
}

/** Event-loop lag while `predict` runs batch-2048 mnist-cnn back to back, next to two references. */
export interface EventLoopLag {
  /** p99 / max timer lag (ms) during batch-2048 cnn predict calls. */
  duringPredictP99Ms: number;
  duringPredictMaxMs: number;
  /** Milliseconds per batch-2048 call. */
  perCallMs: number;
  /**
   * Event-loop utilization during those calls (performance.eventLoopUtilization: the share of time the calling
   * thread ran JavaScript or native code rather than waiting): what predict itself costs the loop, independent of
   * how the OS schedules threads on a loaded machine.
   */
  loopUtilization: number;
  /** p99 lag with nothing running (the machine's own noise). */
  idleP99Ms: number;
  /** p99 lag while one worker thread spins the CPU (what any busy thread beside the loop costs on this machine). */
  busyThreadP99Ms: number;
}

const WARMUP = 300;

/**
 * Per-call samples for each variant, in rounds of one block of `block` consecutive calls per variant (the order
 * rotating each round); also each round's block medians.
 */
async function alternatingBlocks(
  variants: Array<() => Promise<unknown>>,
  rounds: number,
  block: number,
): Promise<{ samples: number[][]; blockMedians: number[][] }> {
  const samples = variants.map(() => [] as number[]);
  const blockMedians = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = (r + k) % variants.length;
      const times: number[] = [];
      for (let i = 0; i < block; i++) {
        const start = performance.now();
        await variants[v]!();
        times.push(performance.now() - start);
      }
      samples[v]!.push(...times);
      blockMedians[v]!.push(median(times));
    }
  }
  return { samples, blockMedians };
}

/**
 * Times session.run, predict and the pool-only predict for each model and batch.
 * @param exported - Folder with `<model>/1/model.onnx` (written by bench/torch_infer.py).
 * @param torchMs - PyTorch eager ms by model and batch.
 * @param threads - Intra-op threads for every session.
 * @param sampleShapes - Per-sample input shape by model.
 */
export async function measurePredictLatency(
  exported: string,
  torchMs: Record<string, Record<string, number>>,
  threads: number,
  sampleShapes: Record<string, number[]>,
): Promise<PredictLatencyRow[]> {
  const { readFileSync } = await import('node:fs');
  const rows: PredictLatencyRow[] = [];
  for (const [name, sampleShape] of Object.entries(sampleShapes)) {
    const dir = join(exported, name, '1');
    const loaded = await createSession(readFileSync(join(dir, 'model.onnx')), { intraOpThreads: threads });
    const model = await loadModel(dir, { intraOpThreads: threads });
    const poolOnly = await loadModel(dir, { intraOpThreads: threads, inThreadBelowMs: 0 });
    try {
      for (const batch of [1, 64]) {
        const shape = [batch, ...sampleShape];
        const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => (i % 255) / 255);
        const inputName = loaded.inputs[0]!.name;
        // The onnxruntime tensor is built once, outside the timed call: the floor is session.run alone.
        const ortFeeds = toOrtFeeds({ [inputName]: { dtype: 'float32', data, shape } });
        const sessionRun = () => loaded.session.run(ortFeeds);
        const predict = () => model.predict({ data, shape });
        const pooled = () => poolOnly.predict({ data, shape });
        for (let i = 0; i < WARMUP; i++) {
          await sessionRun();
          await predict();
          await pooled();
        }
        const before = (model as unknown as { runPaths: { 'in-thread': number; worker: number } }).runPaths;
        // 4000 calls per variant at batch 1, 400 at batch 64, in blocks of 100 / 20.
        const [rounds, block] = batch === 1 ? [40, 100] : [20, 20];
        const { samples, blockMedians } = await alternatingBlocks([sessionRun, predict, pooled], rounds, block);
        const [ortRuns, pred, pool] = samples;
        const diff = blockMedians[1]!.map((p, i) => p - blockMedians[0]![i]!);
        const after = (model as unknown as { runPaths: { 'in-thread': number; worker: number } }).runPaths;
        const ortMs = median(ortRuns!);
        const predictMs = median(pred!);
        const torch = torchMs[name]![String(batch)]!;
        rows.push({
          model: name,
          batch,
          torchMs: torch,
          ortSessionRunMs: ortMs,
          predictMs,
          poolOnlyMs: median(pool!),
          predictOverheadUs: median(diff) * 1000,
          predictOverOrt: predictMs / ortMs,
          speedupVsTorch: torch / predictMs,
          paths: { inThread: after['in-thread'] - before['in-thread'], worker: after.worker - before.worker },
        });
      }
    } finally {
      await model.close();
      await poolOnly.close();
      await releaseSession(loaded.session);
    }
  }
  return rows;
}

/** Sampling interval of the event-loop delay histogram, ms. */
const LAG_RESOLUTION_MS = 1;

/**
 * Timer lag while `work` runs back to back. monitorEventLoopDelay records the time between its timer's firings,
 * which includes the timer's own interval (an idle loop reads ~1.1 ms at resolution 1); the interval is
 * subtracted, so the figures are the delay beyond it.
 */
async function lagP99(seconds: number, work: () => Promise<unknown>): Promise<{ p99: number; max: number; calls: number }> {
  const histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  histogram.enable();
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < seconds * 1000) {
    await work();
    calls++;
  }
  histogram.disable();
  const beyond = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
  return { p99: beyond(histogram.percentile(99)), max: beyond(histogram.max), calls };
}

/**
 * Event-loop lag during batch-2048 mnist-cnn predict calls, with the idle and busy-thread references, measured in
 * interleaved rounds (idle, one spinning thread, predict; 1 s each) so that load from other processes falls on all
 * three alike; each figure is the median over rounds of that round's p99 (max: the largest).
 * @param exported - Folder with `mnist-cnn/1/model.onnx`.
 * @param threads - Intra-op threads.
 * @param seconds - Total seconds per measurement (split into rounds of 1 s).
 */
export async function measureEventLoopLag(exported: string, threads: number, seconds = 5): Promise<EventLoopLag> {
  const model = await loadModel(join(exported, 'mnist-cnn', '1'), { intraOpThreads: threads });
  try {
    const input = { data: new Float32Array(2048 * 784).map((_, i) => (i % 255) / 255), shape: [2048, 1, 28, 28] };
    await model.predict({ data: input.data.subarray(0, 784), shape: [1, 1, 28, 28] });
    await model.predict(input);
    const sleep = () => new Promise((resolve) => setTimeout(resolve, 50));
    const idle: number[] = [];
    const busy: number[] = [];
    const during: number[] = [];
    let duringMax = 0;
    let calls = 0;
    let predictMs = 0;
    let utilization = 0;
    const rounds = Math.max(1, Math.round(seconds));
    for (let r = 0; r < rounds; r++) {
      idle.push((await lagP99(1, sleep)).p99);
      const spinner = new Worker('for (;;) {}', { eval: true });
      try {
        busy.push((await lagP99(1, sleep)).p99);
      } finally {
        await spinner.terminate();
      }
      const start = performance.now();
      const utilizationBefore = perf.eventLoopUtilization();
      const lag = await lagP99(1, () => model.predict(input));
      utilization += perf.eventLoopUtilization(utilizationBefore).utilization / rounds;
      predictMs += performance.now() - start;
      calls += lag.calls;
      during.push(lag.p99);
      duringMax = Math.max(duringMax, lag.max);
    }
    return {
      loopUtilization: utilization,
      duringPredictP99Ms: median(during),
      duringPredictMaxMs: duringMax,
      perCallMs: predictMs / calls,
      idleP99Ms: median(idle),
      busyThreadP99Ms: median(busy),
    };
  } finally {
    await model.close();
  }
}
