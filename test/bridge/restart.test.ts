/**
 * One Node process, several bridges in a row (a script that runs `parity` twice, a test file that closes and
 * reopens). The first bridge's delayed clean-up once closed its transfer file's descriptor a second time; by then
 * the number belonged to the next bridge's IPC socket, and that Python died with EPIPE ("exited with code 1").
 */
import { describe, expect, it } from 'vitest';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { TensorExchange } from '../../src/bridge/tensor-files.js';
import { PythonBridge } from '../../src/bridge/python-bridge.js';
import { referencePython } from '../helpers/python.js';

describe('the bridge after a bridge', () => {
  it('TensorExchange.dispose() twice leaves a descriptor opened in between alone', () => {
    const exchange = new TensorExchange();
    exchange.dispose();
    const path = join(tmpdir(), `twinml-exchange-${process.pid}.txt`);
    const fd = openSync(path, 'w'); // the lowest free number: the one the exchange just released
    try {
      exchange.dispose();
      writeSync(fd, 'still open');
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe('still open');
    rmSync(path);
  });

  const python = referencePython('test/bridge/restart.test.ts (a second bridge in one process)');
  it.skipIf(!python)('start, close, start again: the second Python answers after the first one is cleaned up', { timeout: 180_000 }, async () => {
    const first = await PythonBridge.start();
    const firstPid = first.pid;
    await first.close();
    const second = await PythonBridge.start();
    try {
      expect(second.pid).not.toBe(firstPid);
      // The first bridge's clean-up runs 2 s after its process exited; call across that moment.
      await new Promise((r) => setTimeout(r, 2500));
      const x = { dtype: 'float32' as const, shape: [3], data: new Float32Array([1, 2, 3]) };
      const { tensors } = await second.call('echo', {}, { x });
      expect(Array.from(tensors.get('x')!.data as Float32Array)).toEqual([1, 2, 3]);
      expect(second.alive).toBe(true);
    } finally {
      await second.close();
    }
  });
});
