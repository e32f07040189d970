/**
 * The live dashboard under a real pseudo-terminal (tmux): drawn with curves, progress bars and the class
 * histogram; `q` stops the run cleanly with a checkpoint and restores the terminal. The same run with stdout
 * piped prints plain lines without a single escape code; --log-format json prints JSON lines.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, SMALL_RUN, requireBuild } from './train-helpers.js';

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForScreen(session: string, predicate: (screen: string) => boolean, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < until) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (predicate(screen)) return screen;
    await sleep(250);
  }
  throw new Error(`screen never matched within ${timeoutMs} ms; last screen:\n${screen}`);
}

describe('train dashboard', () => {
  it('draws the dashboard in a terminal and stops on q', async () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'twinml-tty-'));
    const out = join(dir, 'run');
    const session = `twinml-test-${process.pid}`;
    const cmd = [process.execPath, BIN, 'train', ...SMALL_RUN, '--epochs', '20', '--out', out].map((a) => `'${a}'`).join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', ROOT, `${cmd}; echo EXIT=$?; stty -a | grep -o -- '-\\?icanon'; sleep 30`);
    try {
      const screen = await waitForScreen(session, (s) => /epoch [2-9]\/20/.test(s) && s.includes('class histogram'), 60_000);
      expect(screen).toMatch(/twinml train run · mlp · epoch \d+\/20 · step \d+/);
      expect(screen).toMatch(/^epoch [█▏▎▍▌▋▊▉░]+ +\d+\/34  ETA \d+:\d\d/m);
      expect(screen).toMatch(/^run   [█▏▎▍▌▋▊▉░]+ +\d+\.\d% +ETA \d+:\d\d/m);
      expect(screen).toMatch(/samples\/s \d+ .*lr 0\.001000 .*rss \d+(\.\d)? MB +tensors \d+/);
      expect(screen).toMatch(/[\u2801-\u28ff]/); // braille curve dots
      expect(screen).toContain('loss  ── train (batch)');
      expect(screen).toContain('accuracy  ── train (batch)');
      expect(screen).toMatch(/^ *0 [█▏▎▍▌▋▊▉ ]+ 500 {3}1 [█▏▎▍▌▋▊▉ ]+ 564 *$/m); // class histogram of the 1064 training samples
      tmux('send-keys', '-t', session, 'q');
      const end = await waitForScreen(session, (s) => s.includes('EXIT='), 30_000);
      expect(end).toContain('EXIT=0');
      expect(end).toMatch(/run user: \d+ epoch\(s\), \d+ step\(s\)/);
      expect(end).toMatch(/(^|\n)icanon/); // canonical mode is back: raw mode was undone
      expect(readdirSync(join(out, 'checkpoints')).length).toBeGreaterThan(0);
      expect(existsSync(join(out, 'report.html'))).toBe(true);
    } finally {
      tmux('kill-session', '-t', session);
    }
  });

  it('prints plain lines without escape codes when stdout is a pipe', () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'twinml-plain-'));
    const r = spawnSync(process.execPath, [BIN, 'train', ...SMALL_RUN, '--epochs', '1', '--out', join(dir, 'run')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(r.stdout).toMatch(/^epoch 1\/1 batch 1\/34 step 1 loss \d/m);
    expect(r.stdout).toMatch(/^epoch 1\/1 done  step 34  train_loss \d\.\d{4}  train_accuracy 0\.\d{4}  val_loss \d\.\d{4}  val_accuracy 0\.\d{4}  lr 0\.001000  \d+\.\ds$/m);
    expect(r.stdout).toMatch(/^run completed: 1 epoch\(s\), 34 step\(s\)/m);
    expect(readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('prints JSON lines with --log-format json', () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'twinml-json-'));
    const r = spawnSync(process.execPath, [BIN, 'train', ...SMALL_RUN, '--epochs', '1', '--out', join(dir, 'run'), '--log-format', 'json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; step?: number });
    expect(events[0]!.event).toBe('start');
    expect(events.filter((e) => e.event === 'batch').map((e) => e.step)).toEqual(Array.from({ length: 34 }, (_, i) => i + 1));
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(1);
    expect(events.at(-1)!.event).toBe('end');
  });
});
