/** TtyReporter's terminal handling with stand-in streams: raw mode only on a TTY, q / Ctrl-C ask to stop once, the terminal is restored. */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { TtyReporter } from '../../src/train/dashboard/tty-reporter.js';
import type { RunInfo } from '../../src/train/dashboard/reporter.js';

const INFO: RunInfo = {
  runName: 'r', runDir: 'runs/r', model: 'mlp', epochs: 1, batchesPerEpoch: 2, batchSize: 4, trainSamples: 8,
  classes: ['a', 'b'], classHistogram: [4, 4], startEpoch: 1, startBatch: 0, startStep: 0,
};

function streams(isTTY: boolean) {
  const rawModes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY, setRawMode: (on: boolean) => rawModes.push(on) }) as unknown as NodeJS.ReadStream;
  let written = '';
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 30 }) as unknown as NodeJS.WriteStream;
  stdout.on('data', (c: Buffer) => (written += c.toString()));
  return { stdin, stdout, rawModes, output: () => written };
}

describe('TtyReporter', () => {
  it('turns raw mode on for a TTY, asks to stop once on q or Ctrl-C, and restores the terminal', async () => {
    const s = streams(true);
    let stops = 0;
    const r = new TtyReporter({ stdin: s.stdin, stdout: s.stdout, onStopRequested: () => stops++ });
    r.onStart(INFO);
    expect(s.rawModes).toEqual([true]);
    s.stdin.emit('keypress', 'x', { name: 'x' });
    expect(stops).toBe(0);
    s.stdin.emit('keypress', '\u0003', { name: 'c', ctrl: true });
    expect(stops).toBe(1);
    s.stdin.emit('keypress', 'q', { name: 'q' });
    expect(stops).toBe(1);
    r.onBatch({ epoch: 1, batch: 0, step: 1, loss: 0.5, lr: 0.1, samplesPerSecond: 10, rssBytes: 1e6, numTensors: 4 });
    r.onEnd({ stopReason: 'user', epochsCompleted: 0, steps: 1, seconds: 1 });
    expect(s.rawModes).toEqual([true, false]);
    await new Promise((res) => setImmediate(res));
    expect(s.output()).toContain('stopping after this batch');
    expect(s.output()).toContain('run user: 0 epoch(s), 1 step(s)');
    r.close(); // a second close does nothing
    expect(s.rawModes).toEqual([true, false]);
  });

  it('leaves stdin alone when it is not a TTY', () => {
    const s = streams(false);
    const r = new TtyReporter({ stdin: s.stdin, stdout: s.stdout });
    r.onStart(INFO);
    r.close();
    expect(s.rawModes).toEqual([]);
  });
});
