import { it } from 'vitest';
import { PythonBridge } from '../../src/bridge/index.js';
it('smoke', async () => {
const t0 = performance.now();
const py = await PythonBridge.start();
console.log('started', performance.now() - t0, py.versions);
const r = await py.call('echo', {}, { a: { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } });
console.log(r.result, r.tensors);
const t1 = performance.now();
for (let i = 0; i < 100; i++) await py.call('ping', { value: i });
console.log('ping us', ((performance.now() - t1) / 100) * 1000);
console.log(await py.echoJson([1, 2, 3.5]));
try { await py.call('nope'); } catch (e) { console.log('ERR', (e as Error).message); }
const tc = performance.now();
try { await py.call('crash', { message: 'boom from python' }); } catch (e) { console.log('CRASH after', performance.now() - tc, (e as Error).message); }
const py2 = await PythonBridge.start();
console.log('restarted', py2.pid, (await py2.call('ping', { value: 7 })).result);
try { await py2.call('sleep', { seconds: 5 }, undefined, { timeoutMs: 500 }); } catch (e) { console.log('TIMEOUT', (e as Error).message); }
const py3 = await PythonBridge.start();
await py3.close();
console.log('closed');
});
