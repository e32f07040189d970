/**
 * The HTTP floor: server CPU per request of a fastify route that reads the same request body and answers a small
 * fixed body, with the same load generator. No model, no batching, no validation: what any infer request costs
 * this machine before twinml does anything, so the bench can say how far batching can go here.
 */
import { spawn } from 'node:child_process';
import { packageRoot } from '../../util/paths.js';

const SCRIPT = `
const Fastify = (await import('fastify')).default;
const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, { bytes: body.length }));
const answer = JSON.stringify({ model_name: 'floor', model_version: '1', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 10], data: Array(10).fill(0.1234567) }] });
app.post('/infer', (_request, reply) => { reply.type('application/json').send(answer); });
app.get('/cpu', (_request, reply) => { const u = process.cpuUsage(); reply.send({ ms: (u.user + u.system) / 1000 }); });
await app.listen({ host: '127.0.0.1', port: 0 });
console.log('listening on http://127.0.0.1:' + app.server.address().port);
`;

/**
 * Server CPU per request (ms) of the floor route under `connections` autocannon clients.
 * @param body - The request body to send (as the benchmark sends it).
 * @param headers - Its headers.
 * @param seconds - Measuring time.
 * @param connections - Concurrent clients.
 */
export async function measureHttpFloor(body: string | Buffer, headers: Record<string, string>, seconds = 2, connections = 64): Promise<number> {
  const autocannon = (await import('autocannon')).default;
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      });
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      child.once('exit', (code) => reject(new Error(`HTTP floor server exited (${code}): ${output}`)));
    });
    const cpuMs = async () => ((await (await fetch(`${url}/cpu`)).json()) as { ms: number }).ms;
    await autocannon({ url: `${url}/infer`, method: 'POST', headers, body, connections, duration: 1 });
    const before = await cpuMs();
    const result = await autocannon({ url: `${url}/infer`, method: 'POST', headers, body, connections, duration: seconds });
    const after = await cpuMs();
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`HTTP floor: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return (after - before) / result.requests.total;
  } finally {
    child.kill('SIGTERM');
  }
}
