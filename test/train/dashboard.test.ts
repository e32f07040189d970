/** The dashboard's pieces: the Braille plotter, progress bars, the screen layout, the plain and JSON reporters. */
import { describe, expect, it } from 'vitest';
import { plotBraille } from '../../src/train/dashboard/braille-plot.js';
import { etaSeconds, formatDuration, progressBar } from '../../src/train/dashboard/format.js';
import { renderDashboard, type DashboardView } from '../../src/train/dashboard/render.js';
import { stripAnsi } from '../../src/train/dashboard/ansi.js';
import { PlainReporter } from '../../src/train/dashboard/plain-reporter.js';
import { JsonReporter } from '../../src/train/dashboard/json-reporter.js';
import { createReporter } from '../../src/train/dashboard/create-reporter.js';
import type { RunInfo } from '../../src/train/dashboard/reporter.js';

const INFO: RunInfo = {
  runName: 'r', runDir: 'runs/r', model: 'mlp', epochs: 2, batchesPerEpoch: 4, batchSize: 8, trainSamples: 32, valSamples: 8,
  classes: ['cat', 'dog'], classHistogram: [12, 20], startEpoch: 1, startBatch: 0, startStep: 0,
};

describe('plotBraille', () => {
  it('puts the dots of a rising diagonal in the Braille cells a hand computation gives', () => {
    // 2x1 cells = 4x4 dots; points (0,0)..(3,3) map to dots (0,3) (1,2) (2,1) (3,0).
    const lines = plotBraille([{ name: 'd', color: 'cyan', points: [[0, 0], [1, 1], [2, 2], [3, 3]] }], { width: 2, height: 1, color: false, labelWidth: 1 });
    // cell 0: dot (x0,y3)=0x40, dot (x1,y2)=0x20 -> U+2860; cell 1: dot (x0,y1)=0x02, (x1,y0)=0x08 -> U+280A
    expect(lines[0]).toBe('3┤\u2860\u280a');
    expect(lines[1]).toBe(' └──');
  });

  it('breaks lines at NaN and labels the y range', () => {
    const lines = plotBraille([{ name: 'd', color: 'cyan', points: [[0, 1], [1, NaN], [2, 5]] }], { width: 10, height: 4, color: false });
    expect(lines[0]!.startsWith('       5┤')).toBe(true);
    expect(lines[3]!.startsWith('       1┤')).toBe(true);
    expect(lines).toHaveLength(6);
  });
});

describe('formatting', () => {
  it('draws exact progress bars and durations', () => {
    expect(progressBar(0.5, 4)).toBe('██░░');
    expect(progressBar(1 / 16, 2)).toBe('▏░');
    expect(progressBar(2, 3)).toBe('███');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(NaN)).toBe('--:--');
    expect(etaSeconds(10, 30, 5)).toBe(15);
  });
});

describe('renderDashboard', () => {
  const view: DashboardView = {
    info: INFO,
    last: { epoch: 2, batch: 1, step: 6, loss: 0.5, accuracy: 0.75, lr: 0.01, samplesPerSecond: 100, rssBytes: 123_400_000, numTensors: 12 },
    stepLoss: [[1, 1], [2, 0.9], [3, 0.8], [4, 0.7], [5, 0.6], [6, 0.5]],
    stepAccuracy: [[1, 0.5], [6, 0.75]],
    epochs: [{ epoch: 1, step: 4, trainLoss: 0.8, valLoss: 0.85, valAccuracy: 0.6, lr: 0.01, seconds: 1 }],
    elapsedSeconds: 3,
    batchesThisProcess: 6,
    batchSeconds: 3,
  };
  for (const size of [{ columns: 80, rows: 24 }, { columns: 140, rows: 40 }]) {
    it(`fits ${size.columns}x${size.rows} and shows progress, ETA, throughput, memory and the histogram`, () => {
      const screen = renderDashboard(view, size, true);
      const lines = stripAnsi(screen).split('\n');
      expect(lines.length).toBeLessThanOrEqual(size.rows);
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(size.columns);
      const text = lines.join('\n');
      expect(text).toContain('epoch 2/2 · step 6');
      // 6 of 8 batches done in 3 s -> 0.5 s per batch: 2 left in the epoch and in the run -> ETA 0:01.
      expect(text).toMatch(/epoch .* 2\/4  ETA 0:01/);
      expect(text).toMatch(/run .* 75\.0%  ETA 0:01/);
      expect(text).toMatch(/rss 123\.4 MB\s+tensors 12/);
      expect(text).toMatch(/cat █+[▏▎▍▌▋▊▉]? *12/);
      expect(screen).toContain('\u001b[');
    });
  }
});

describe('reporters', () => {
  it('plain: lines without escape codes, throttled batch lines, epoch and summary lines', () => {
    const out: string[] = [];
    let t = 0;
    const r = new PlainReporter({ write: (s) => out.push(s), everySeconds: 5, now: () => t });
    r.onStart(INFO);
    for (let step = 1; step <= 4; step++) {
      t += 3000;
      r.onBatch({ epoch: 1, batch: step - 1, step, loss: 1 / step, lr: 0.1, samplesPerSecond: 4, rssBytes: 1e6, numTensors: 3 });
    }
    r.onEpoch({ epoch: 1, step: 4, trainLoss: 0.5, valLoss: 0.6, valAccuracy: 0.5, lr: 0.1, seconds: 8 });
    r.onEnd({ stopReason: 'completed', epochsCompleted: 1, steps: 4, seconds: 8 });
    const text = out.join('');
    expect(text).not.toMatch(/\u001b/);
    // Batch 1 prints, batch 2 (3 s later) does not, batch 3 (6 s after batch 1) prints, batch 4 ends the epoch.
    expect(text.match(/^epoch 1\/2 batch/gm)).toHaveLength(2);
    expect(text).toContain('epoch 1/2 batch 3/4 step 3 loss 0.3333');
    expect(text).toContain('epoch 1/2 done  step 4  train_loss 0.5000  val_loss 0.6000  val_accuracy 0.5000');
    expect(text).toContain('run completed: 1 epoch(s), 4 step(s) in 0:08');
  });

  it('json: one parseable object per event, non-finite numbers as strings', () => {
    const out: string[] = [];
    const messages: string[] = [];
    const r = new JsonReporter({ write: (s) => out.push(s), writeMessage: (s) => messages.push(s) });
    r.onStart(INFO);
    r.log('class histogram: …');
    expect(messages).toEqual(['class histogram: …\n']);
    r.onBatch({ epoch: 1, batch: 0, step: 1, loss: NaN, lr: 0.1, samplesPerSecond: 4, rssBytes: 1, numTensors: 3 });
    r.onEnd({ stopReason: 'non-finite-loss', message: 'the loss became NaN at step 1', epochsCompleted: 0, steps: 0, seconds: 1 });
    const events = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(['start', 'batch', 'end']);
    expect(events[1]!.loss).toBe('NaN');
  });

  it('the factory picks by the flag and the terminal', () => {
    expect(createReporter({ logFormat: 'json', isTTY: true })).toBeInstanceOf(JsonReporter);
    expect(createReporter({ logFormat: 'auto', isTTY: false })).toBeInstanceOf(PlainReporter);
    expect(createReporter({ logFormat: 'auto', isTTY: true }).constructor.name).toBe('TtyReporter');
    expect(() => createReporter({ logFormat: 'xml' as never })).toThrow(/unknown format 'xml'; valid: auto, tty, plain, json/);
  });
});
