/** Plain one-line progress per epoch (the full dashboard is a reporter of its own). */
import type { EpochMetrics, TrainerCallbacks } from '../../train/trainer.js';

export function formatEpochLine(m: EpochMetrics, epochs: number): string {
  const extras = Object.entries(m)
    .filter(([k]) => !['epoch', 'train_loss', 'val_loss', 'val_accuracy', 'lr', 'samples_per_sec', 'epoch_seconds', 'step'].includes(k))
    .map(([k, v]) => `${k} ${Number(v).toFixed(4)}`);
  return [
    `epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}`,
    `train_loss ${m.train_loss.toFixed(4)}`,
    `val_loss ${m.val_loss.toFixed(4)}`,
    `val_accuracy ${m.val_accuracy.toFixed(4)}`,
    ...extras,
    `lr ${m.lr.toPrecision(3)}`,
    `${Math.round(m.samples_per_sec)} samples/s`,
    `${m.epoch_seconds.toFixed(1)}s`,
  ].join('  ');
}

export function plainProgress(epochs: number, write: (line: string) => void = (l) => console.log(l)): TrainerCallbacks {
  return {
    onEpochEnd: (_t, m) => write(formatEpochLine(m, epochs)),
  };
}
