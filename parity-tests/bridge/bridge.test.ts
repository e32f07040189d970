/**
 * The bridge itself: tensors cross bit-exactly as raw bytes, Python errors become rejected calls, a Python
 * that dies mid-call rejects within a second with its stderr, timeouts stop Python, and no Python process
 * outlives its Node parent (close, SIGKILL of Node, Ctrl-C).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { HostTensor } from '../../src/util/host-tensor.js';
import { describeParity } from '../support/session.js';
import { randn } from '../../src/parity/random.js';

/** True while `pid` runs (a zombie, exited but not yet reaped by an init that does not reap, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

/** Starts a Node child with its own bridge and returns the child and its Python pid. */
async function childWithBridge(python: string): Promise<{ child: ReturnType<typeof spawn>; pythonPid: number; dir: string }> {
  const script = fileURLToPath(new URL('./child-bridge.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, python], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += String(d);
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code} before starting Python`)));
  });
  const parsed = JSON.parse(line) as { pid: number; dir: string };
  return { child, pythonPid: parsed.pid, dir: parsed.dir };
}

const distBuilt = existsSync(fileURLToPath(new URL('../../dist/bridge/index.js', import.meta.url)));

describeParity('bridge: transfer, errors, crashes, timeouts, no orphans', (session) => {
  it('moves float32, float64, int64, int32 and bool tensors both ways bit-exactly', async () => {
    const f32 = randn('bridge/f32', [3, 5, 7]);
    const f64: HostTensor = { dtype: 'float64', shape: [4, 3], data: Float64Array.from({ length: 12 }, (_, i) => Math.PI * (i - 5) * 1e-3 + i * 1e10) };
    const i64: HostTensor = { dtype: 'int64', shape: [5], data: BigInt64Array.from([0n, -1n, 2n ** 40n, -(2n ** 62n), 7n]) };
    const i32: HostTensor = { dtype: 'int32', shape: [3], data: Int32Array.from([-2147483648, 0, 2147483647]) };
    const b: HostTensor = { dtype: 'bool', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) };
    const special: HostTensor = { dtype: 'float32', shape: [4], data: Float32Array.from([NaN, Infinity, -Infinity, -0]) };
    const sent = { f32, f64, i64, i32, b, special };
    const out = await session.py.call<{ names: string[] }>('echo', {}, sent);
    expect(out.result.names).toEqual(Object.keys(sent));
    for (const [name, t] of Object.entries(sent)) {
      const got = out.tensors.get(name)!;
      expect(got.dtype, name).toBe(t.dtype);
      expect(got.shape, name).toEqual(t.shape);
      expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name).toBe(true);
    }
  });

  it('turns a Python exception into a rejected call with the Python message', async () => {
    await expect(session.py.call('layer_step', { spec: { type: 'NoSuchLayer' }, dtypes: ['float32'] })).rejects.toThrow(/unknown torch\.nn module 'NoSuchLayer'/);
    await expect(session.py.call('no_such_function')).rejects.toThrow(/unknown bridge function 'no_such_function'; known: /);
    expect((await session.py.call('ping', { value: 42 })).result).toBe(42);
  });

  it('rejects within a second with the tail of stderr when Python dies mid-call, then starts a fresh Python', async () => {
    const py = session.py;
    const pid = py.pid;
    const started = Date.now();
    await expect(py.call('crash', { message: 'twinml test: Python is about to die' })).rejects.toThrow(/Python died during crash[\s\S]*twinml test: Python is about to die/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await waitUntil(() => !alive(pid), 2000)).toBe(true);
    await expect(py.call('ping', { value: 1 })).rejects.toThrow(/cannot call ping/);
    const fresh = await PythonBridge.start();
    expect(fresh.pid).not.toBe(pid);
    expect((await fresh.call('ping', { value: 2 })).result).toBe(2);
  });

  it('stops Python when a call times out', async () => {
    const py = await PythonBridge.start();
    const pid = py.pid;
    await expect(py.call('sleep', { seconds: 30 }, {}, { timeoutMs: 300 })).rejects.toThrow(/sleep timed out after 300 ms; Python was stopped/);
    expect(await waitUntil(() => !alive(pid), 2000)).toBe(true);
    const fresh = await PythonBridge.start();
    expect((await fresh.call('ping', { value: 3 })).result).toBe(3);
  });

  it('close() leaves no Python process', async () => {
    const py = await PythonBridge.start();
    const pid = py.pid;
    expect(alive(pid)).toBe(true);
    const dir = py.transferDir;
    expect(existsSync(dir)).toBe(true);
    await py.close();
    expect(await waitUntil(() => !alive(pid), 2000)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it.runIf(distBuilt)('no orphan Python after its Node process is SIGKILLed or gets Ctrl-C (SIGINT)', async () => {
    const signals = ['SIGKILL', 'SIGINT'] as const;
    const children = await Promise.all(signals.map(() => childWithBridge(session.py.info.executable)));
    children.forEach(({ child }, i) => child.kill(signals[i]));
    for (const [i, { pythonPid, dir }] of children.entries()) {
      expect(await waitUntil(() => !alive(pythonPid), 3000), `Python ${pythonPid} outlived its parent after ${signals[i]}`).toBe(true);
      expect(await waitUntil(() => !existsSync(dir), 3000), `${dir} was left behind after ${signals[i]}`).toBe(true);
    }
  });
});
