/**
 * Class balancing and the class histogram shown at the start of training.
 *   none         every sample once per epoch (the same order as loader.epochOrder)
 *   oversample   each class drawn up to the majority count per epoch: all its samples floor(max/n) times plus a
 *                fresh random subset for the remainder (every sample is seen; the extra draws change each epoch)
 *   undersample  each class cut to the minority count per epoch, a fresh random subset each epoch
 *   weights      every sample once; CrossEntropyLoss gets class weights n_samples / (n_classes * n_c)
 *                (scikit-learn's "balanced" heuristic; PyTorch then takes the weighted mean sum(w_y l) / sum(w_y))
 * An epoch's order depends only on (seed, epoch), so a run can resume mid-epoch.
 */
import { Rng } from '../util/rng.js';
import { epochOrder } from './loader.js';

export const BALANCE_MODES = ['none', 'oversample', 'undersample', 'weights'] as const;
export type BalanceMode = (typeof BALANCE_MODES)[number];

/** Above this majority/minority ratio with balancing off, training prints a warning. */
export const IMBALANCE_WARNING_RATIO = 3;

export function parseBalanceMode(value: string): BalanceMode {
  if ((BALANCE_MODES as readonly string[]).includes(value)) return value as BalanceMode;
  throw new Error(`balance: "${value}" is not one of ${BALANCE_MODES.join(', ')}`);
}

/**
 * Per-class counts.
 * @param labels - class index per sample
 * @param numClasses - number of classes
 */
export function countClasses(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]! += 1;
  return counts;
}

/**
 * Class weights for CrossEntropyLoss(weight=...): n_samples / (n_classes * n_c); a class with no sample gets 0.
 * @param counts - per-class counts
 */
export function classWeights(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? total / (present * c) : 0));
}

/**
 * The sample order of one epoch after balancing.
 * @param labels - class index per sample
 * @param numClasses - number of classes
 * @param mode - balancing mode
 * @param seed - run seed
 * @param epoch - epoch number (the order depends only on seed and epoch)
 * @param shuffle - shuffle the result (false keeps class-grouped order, for evaluation)
 */
export function balancedOrder(labels: Int32Array, numClasses: number, mode: BalanceMode, seed: number, epoch: number, shuffle = true): Int32Array {
  if (mode === 'none' || mode === 'weights') return epochOrder(labels.length, seed, epoch, shuffle);
  const rng = Rng.derive(seed, `balance-${mode}-${epoch}`);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => byClass[l]!.push(i));
  const present = byClass.filter((c) => c.length > 0);
  const target = mode === 'oversample' ? Math.max(...present.map((c) => c.length)) : Math.min(...present.map((c) => c.length));
  const out: number[] = [];
  for (const members of present) {
    const whole = Math.floor(target / members.length);
    for (let r = 0; r < whole; r++) out.push(...members);
    const rest = target - whole * members.length;
    if (rest > 0) out.push(...rng.shuffle(members.slice()).slice(0, rest));
  }
  return shuffle ? rng.shuffle(Int32Array.from(out)) : Int32Array.from(out);
}

/**
 * The class histogram as printable lines: name, count, share and a bar.
 * @param counts - per-class counts
 * @param classes - class names
 */
export function formatClassHistogram(counts: number[], classes: string[]): string[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...counts);
  const width = Math.max(5, ...classes.map((c) => c.length));
  const lines = [`class histogram (${total} samples, ${classes.length} classes):`];
  counts.forEach((n, i) => {
    const share = total > 0 ? ((100 * n) / total).toFixed(1) : '0.0';
    lines.push(`  ${classes[i]!.padEnd(width)} ${String(n).padStart(7)} ${share.padStart(5)}%  ${'#'.repeat(Math.round((30 * n) / max))}`);
  });
  return lines;
}

/**
 * The warning shown when the majority class exceeds IMBALANCE_WARNING_RATIO times the minority and balancing is off,
 * or null.
 * @param counts - per-class counts
 * @param classes - class names
 * @param mode - the balancing mode in use
 */
export function imbalanceWarning(counts: number[], classes: string[], mode: BalanceMode): string | null {
  if (mode !== 'none' || counts.length < 2) return null;
  const maxAt = counts.indexOf(Math.max(...counts));
  const minAt = counts.indexOf(Math.min(...counts));
  const ratio = counts[minAt]! === 0 ? Infinity : counts[maxAt]! / counts[minAt]!;
  if (ratio <= IMBALANCE_WARNING_RATIO) return null;
  const always = (100 * counts[maxAt]!) / counts.reduce((a, b) => a + b, 0);
  return (
    `WARNING: class imbalance ${ratio === Infinity ? 'inf' : ratio.toFixed(1)}:1 ("${classes[maxAt]}" ${counts[maxAt]} vs "${classes[minAt]}" ${counts[minAt]}). ` +
    `Always answering "${classes[maxAt]}" already scores ${always.toFixed(1)}% accuracy: watch val_balanced_accuracy and val_macro_f1, ` +
    `or pass --balance oversample|undersample|weights.`
  );
}

/**
 * Prints the class histogram (and the imbalance warning, if any) through `log`, and returns the warning.
 * @param counts - per-class counts of the training split
 * @param classes - class names
 * @param mode - the balancing mode in use
 * @param log - where lines go (default console.log)
 */
export function reportClassBalance(counts: number[], classes: string[], mode: BalanceMode, log: (line: string) => void = console.log): string | null {
  for (const line of formatClassHistogram(counts, classes)) log(line);
  const warning = imbalanceWarning(counts, classes, mode);
  if (warning) log(warning);
  return warning;
}
