/**
 * The bench registry: named sections, each measuring TypeScript throughput on a backend and (optionally)
 * naming the PyTorch original that bench/torch_bench.py measures in the same run. Other helpers add rows by
 * registering a section.
 */
import type { BackendName } from '../dist/backend/index.js';

export interface MeasureOptions {
  batchSize: number;
  /** Untimed steps before measuring. */
  warmup: number;
  /** Timed repeats; the median is reported. */
  repeats: number;
  /** Each repeat runs steps until at least this long has passed. */
  minSeconds: number;
}

/** Samples per second by mode ('train', 'infer', ...). */
export type Throughput = Record<string, number>;

/** A PyTorch original for bench/torch_bench.py: python/twinml_ref/models/<module>.py, class <cls>(**kwargs). */
export interface TorchSpec {
  module: string;
  cls: string;
  kwargs: Record<string, unknown>;
  sampleShape: number[];
  numClasses: number;
  /**
   * 'language-model': `module.from_config(kwargs)`, token ids [batch, sampleShape[0]] over numClasses tokens, the
   * AdamW + clip_grad_norm_ step of bench/torch_bench.py, rates in tokens/s. Default: a classifier.
   */
  task?: 'language-model';
}

export interface BenchSection {
  name: string;
  description: string;
  /** The section's own batch size (default: the run's MeasureOptions.batchSize); PyTorch uses the same. */
  batchSize?: number;
  torch?: TorchSpec;
  /** Backends measured only when asked for explicitly (BenchOptions.backends), with the reason. */
  skipByDefault?: Partial<Record<BackendName, string>>;
  /** Throughput of the TypeScript side on the (already active) backend. */
  measure(backend: BackendName, options: MeasureOptions): Promise<Throughput>;
}

/**
 * The measurement settings for one section: the run's, with the section's own batch size if it has one.
 * @param section - the section
 * @param measure - the run's settings
 */
export function sectionMeasureOptions(section: BenchSection, measure: MeasureOptions): MeasureOptions {
  return section.batchSize === undefined ? measure : { ...measure, batchSize: section.batchSize };
}

const SECTIONS = new Map<string, BenchSection>();

/** Adds (or replaces) a section. */
export function registerBenchSection(section: BenchSection): void {
  SECTIONS.set(section.name, section);
}

export function benchSections(): BenchSection[] {
  return [...SECTIONS.values()];
}

/** Runs `step` warm-up times, then `repeats` timed repeats of at least minSeconds each; median samples/s. */
export async function measureSteps(step: () => void | Promise<void>, options: MeasureOptions): Promise<number> {
  for (let i = 0; i < options.warmup; i++) await step();
  const rates: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    let steps = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      await step();
      steps++;
      elapsed = (performance.now() - start) / 1000;
    } while (elapsed < options.minSeconds);
    rates.push((steps * options.batchSize) / elapsed);
  }
  return median(rates);
}

/** The median of `values` (the mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
