/**
 * The HTTP floor: server CPU per request of a fastify route that reads the same request body and answers a small
 * fixed body, with the same load generator. No model, no batching, no validation: what any infer request costs
 * this machine before twinml does anything, so the bench can say how far batching can go here.
 */
import { spawn } from 'node:child_process';
import { packageRoot } from '../../dist/util/paths.js';

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

export interface HttpFloorServer {
  /** URL to POST the requests to. */
  inferUrl: string;
  /** The floor process's CPU time so far (ms). */
  cpuMs(): Promise<number>;
  stop(): void;
}

/** Starts the floor route in a child process (fastify from this package). */
export async function startHttpFloor(): Promise<HttpFloorServer> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
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
  return {
    inferUrl: `${url}/infer`,
    cpuMs: async () => ((await (await fetch(`${url}/cpu`)).json()) as { ms: number }).ms,
    stop: () => void child.kill('SIGTERM'),
  };
}
