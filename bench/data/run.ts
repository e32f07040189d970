/**
 * Loader throughput and memory: images/s read, decoded, transformed and batched by streamBatches from
 *   (1) a folder of 28x28 grayscale PNGs (MNIST digits),
 *   (2) a folder of 128x128 RGB JPEGs (training transform: random crop with padding 8, horizontal flip, normalise),
 * and the peak RSS while streaming a folder whose decoded size is 4x the prefetch budget
 * (prefetch batches x batch size x decoded sample bytes).
 * No PyTorch ratio here: the venv has neither torchvision nor PIL, so there is no DataLoader to compare against.
 *
 * Standalone: npm run bench:data (node --expose-gc bench/data.mjs [--quick]); also the `data` section of `twinml bench`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadMnistRaw } from '../../dist/data/mnist.js';
import { imageFolder } from '../../dist/data/image-folder.js';
import { streamBatches } from '../../dist/data/stream.js';
import { epochOrder } from '../../dist/data/loader.js';
import type { TransformConfig } from '../../dist/data/transforms.js';

export interface DataBenchResult {
  name: string;
  images: number;
  seconds: number;
  imagesPerSec: number;
  batchSize: number;
  prefetch: number;
  peakRssMiB?: number;
  /** Largest ArrayBuffer memory still alive after forced GCs (every 4th batch; needs --expose-gc). */
  liveBuffersMiB?: number;
  baselineRssMiB?: number;
  decodedDatasetMiB?: number;
  prefetchBudgetMiB?: number;
}

async function writeFolder(root: string, count: number, format: 'png' | 'jpeg', size: number): Promise<void> {
  const { x, y } = loadMnistRaw();
  for (let i = 0; i < count; i++) {
    const j = (i * 7919) % y.length;
    const dir = join(root, `digit-${y[j]}`);
    mkdirSync(dir, { recursive: true });
    const px = Uint8Array.from(x.subarray(j * 784, (j + 1) * 784), (v) => Math.round(v * 255));
    let img = sharp(px, { raw: { width: 28, height: 28, channels: 1 } });
    if (size !== 28) img = img.resize(size, size);
    const bytes = format === 'png' ? await img.toColourspace('b-w').png().toBuffer() : await img.toColourspace('srgb').jpeg({ quality: 90 }).toBuffer();
    writeFileSync(join(dir, `${i}.${format === 'png' ? 'png' : 'jpg'}`), bytes);
  }
}

async function measure(name: string, root: string, transform: TransformConfig, batchSize: number, prefetch: number, trackRss = false): Promise<DataBenchResult> {
  const source = imageFolder(root);
  const order = epochOrder(source.labels.length, 1, 1, true);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = trackRss ? setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5) : null;
  let images = 0;
  let sampleBytes = 0;
  let liveBuffers = 0;
  let batches = 0;
  const started = performance.now();
  for await (const batch of streamBatches(source, { order, batchSize, transform, seed: 1, epoch: 1, prefetch })) {
    images += batch.y.length;
    sampleBytes = (batch.x.byteLength / batch.y.length);
    if (trackRss) peak = Math.max(peak, process.memoryUsage().rss);
    if (trackRss && global.gc && ++batches % 4 === 0) {
      // Native-backed buffers are released by finalizers after a collection: collect, let them run, collect again.
      global.gc();
      await new Promise((done) => setImmediate(done));
      global.gc();
      liveBuffers = Math.max(liveBuffers, process.memoryUsage().arrayBuffers);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (timer) clearInterval(timer);
  const mib = (b: number) => Number((b / 2 ** 20).toFixed(1));
  return {
    name,
    images,
    seconds: Number(seconds.toFixed(3)),
    imagesPerSec: Math.round(images / seconds),
    batchSize,
    prefetch,
    ...(trackRss
      ? { baselineRssMiB: mib(baseline), peakRssMiB: mib(peak), ...(global.gc ? { liveBuffersMiB: mib(liveBuffers) } : {}), decodedDatasetMiB: mib(images * sampleBytes), prefetchBudgetMiB: mib(prefetch * batchSize * sampleBytes) }
      : {}),
  };
}

/**
 * Runs the loader benchmark.
 * @param options - quick: fewer images
 */
export async function runDataBench(options: { quick?: boolean } = {}): Promise<DataBenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'twinml-bench-data-'));
  try {
    const nPng = options.quick ? 1000 : 4000;
    const nJpeg = options.quick ? 300 : 1000;
    await writeFolder(join(work, 'png28'), nPng, 'png', 28);
    await writeFolder(join(work, 'jpeg128'), nJpeg, 'jpeg', 128);
    const results: DataBenchResult[] = [];
    results.push(await measure('png 28x28 gray -> [1,28,28] scale+normalize', join(work, 'png28'), { normalize: { mean: [0.1307], std: [0.3081] } }, 64, 4));
    const augment: TransformConfig = { randomCrop: { size: [128, 128], padding: 8 }, horizontalFlip: 0.5, normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } };
    results.push(await measure('jpeg 128x128 rgb -> [3,128,128] crop+flip+normalize', join(work, 'jpeg128'), augment, 32, 4));
    results.push(await measure('jpeg 128x128 rgb -> resize 64x64', join(work, 'jpeg128'), { resize: [64, 64], normalize: { mean: [0.5], std: [0.25] } }, 32, 4));
    // Memory: folders of 4x and 16x the prefetch budget (prefetch 2 x batch 32 x 192 KiB decoded = 12 MiB);
    // bounded streaming means the peak RSS growth does not grow with the folder.
    const budgetImages = 2 * 32;
    for (const times of options.quick ? [4] : [4, 16]) {
      await writeFolder(join(work, `mem${times}`), times * budgetImages, 'jpeg', 128);
      results.push(await measure(`memory: jpeg 128x128 folder = ${times}x the prefetch budget`, join(work, `mem${times}`), augment, 32, 2, true));
    }
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One line per result. @param results - from runDataBench */
export function formatDataBench(results: DataBenchResult[]): string[] {
  return results.map((r) => {
    const mem = r.peakRssMiB !== undefined ? `  rss ${r.baselineRssMiB} -> peak ${r.peakRssMiB} MiB, live buffers after GC ${r.liveBuffersMiB ?? '?'} MiB (dataset decoded ${r.decodedDatasetMiB} MiB, prefetch budget ${r.prefetchBudgetMiB} MiB)` : '';
    return `${r.name.padEnd(62)} ${String(r.imagesPerSec).padStart(6)} images/s  (${r.images} in ${r.seconds}s, batch ${r.batchSize}, prefetch ${r.prefetch})${mem}`;
  });
}
