/**
 * Model repository control under load: poll mode with 64 clients sending requests throughout (a new version is
 * served within the poll interval, a corrupt version leaves the old one serving and is reported in the index, a
 * removed version drains, zero failed requests), --exit-on-error true/false with a garbage model.onnx, and explicit
 * load/unload with version policies.
 */
import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/inference/index.js';
import { fixtureModels } from './fixtures/models.js';
import { call, makeRepository } from './http-helpers.js';

const fixtures = fixtureModels('repository control');
const mlpBody = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array(784).fill(0.5) }] });

/** Copies a fixture into `<repo>/<name>/<version>` through a staging folder renamed into place (atomic for the poller). */
function addVersion(repo: string, name: string, version: string, fixture = 'mnist-mlp'): void {
  const staging = join(repo, `.staging-${name}-${version}`);
  cpSync(join(fixtures!, fixture, '1'), staging, { recursive: true });
  renameSync(staging, join(repo, name, version));
}

function addGarbageVersion(repo: string, name: string, version: string): void {
  const staging = join(repo, `.staging-${name}-${version}`);
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'model.onnx'), 'this is not an ONNX file');
  renameSync(staging, join(repo, name, version));
}

async function waitFor(what: string, check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await check()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
}

/** 64 clients looping on unversioned infer requests until stopped; counts failures and answering versions. */
function startClients(url: string, concurrency = 64) {
  let running = true;
  const state = { ok: 0, failures: [] as string[], versions: new Map<string, number>() };
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const res = await fetch(`${url}/v2/models/x/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: mlpBody });
        const text = await res.text();
        if (res.status !== 200) state.failures.push(`${res.status} ${text.slice(0, 200)}`);
        else {
          state.ok++;
          const v = (JSON.parse(text) as { model_version: string }).model_version;
          state.versions.set(v, (state.versions.get(v) ?? 0) + 1);
        }
      } catch (e) {
        state.failures.push(String(e));
      }
    }
  });
  return {
    state,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe.skipIf(!fixtures)('model repository control', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('poll mode under 64 clients: new version within the interval, corrupt version reported, removal drains, 0 failures', { timeout: 120_000 }, async () => {
    const pollSeconds = 1;
    const repo = makeRepository(fixtures!, [['x', '1', 'mnist-mlp']]);
    const server = await startServer({ models: repo, port: 0, modelControlMode: 'poll', repositoryPollSeconds: pollSeconds, session: { intraOpThreads: 1 } });
    servers.push(server);
    const clients = startClients(server.url);
    try {
      await waitFor('first answers', async () => clients.state.ok > 200, 20_000);

      addVersion(repo, 'x', '2');
      const ms = await waitFor('version 2 listed', async () => server.repository.versions('x').includes('2'), 10_000);
      console.log(`poll: version 2 served ${ms.toFixed(0)} ms after it appeared (interval ${pollSeconds * 1000} ms)`);
      // Within one poll interval plus the time to load the model under load.
      expect(ms).toBeLessThan(pollSeconds * 1000 + 3000);
      const before = clients.state.versions.get('2') ?? 0;
      await waitFor('answers from version 2', async () => (clients.state.versions.get('2') ?? 0) > before + 200, 20_000);

      addGarbageVersion(repo, 'x', '3');
      await waitFor('version 3 reported', async () => server.repository.index().some((r) => r.version === '3'), 10_000);
      const index = (await call(server.url, '/v2/repository/index', { method: 'POST', body: {} })).body as unknown as Array<Record<string, string>>;
      expect(index.filter((r) => r.name === 'x').map((r) => [r.version, r.state])).toEqual([
        ['1', 'READY'],
        ['2', 'READY'],
        ['3', 'UNAVAILABLE'],
      ]);
      expect(index.find((r) => r.version === '3')!.reason).toMatch(/x[/\\]3.*model\.onnx|protobuf|parse|load/i);
      expect((await call(server.url, '/v2/models/x')).body.versions).toEqual(['1', '2']);
      expect((await call(server.url, '/v2/models/x/versions/3/ready')).status).toBe(503);

      const served2 = server.repository.get('x', '2')!;
      rmSync(join(repo, 'x', '2'), { recursive: true });
      await waitFor('version 2 removed', async () => !server.repository.versions('x').includes('2'), 10_000);
      await served2.drainAndClose(); // resolves once its in-flight requests have finished
      expect(served2.active).toBe(0);
      const v1 = clients.state.versions.get('1') ?? 0;
      await waitFor('answers from version 1 again', async () => (clients.state.versions.get('1') ?? 0) > v1 + 200, 20_000);

      rmSync(join(repo, 'x', '3'), { recursive: true });
      await waitFor('version 3 gone from the index', async () => !server.repository.index().some((r) => r.version === '3'), 10_000);
    } finally {
      await clients.stop();
    }
    console.log(`poll: ${clients.state.ok} requests answered, versions ${JSON.stringify([...clients.state.versions])}, ${clients.state.failures.length} failed`);
    expect(clients.state.failures.slice(0, 5)).toEqual([]);
    expect(clients.state.ok).toBeGreaterThan(600); // each phase above waited for 200 more answers
  });

  it('--exit-on-error (default): a garbage model.onnx stops start-up naming the file and the reason', async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    mkdirSync(join(repo, 'broken', '1'), { recursive: true });
    writeFileSync(join(repo, 'broken', '1', 'model.onnx'), 'garbage');
    await expect(startServer({ models: repo, port: 0 })).rejects.toThrow(/model "broken" version "1": loadModel .*broken[/\\]1.*: .+/);
  });

  it('--exit-on-error=false: the others serve, the broken one is UNAVAILABLE with its reason', async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    mkdirSync(join(repo, 'broken', '1'), { recursive: true });
    writeFileSync(join(repo, 'broken', '1', 'model.onnx'), 'garbage');
    const server = await startServer({ models: repo, port: 0, exitOnError: false });
    servers.push(server);
    expect((await call(server.url, '/v2/models/mnist-mlp/infer', { body: mlpBody })).status).toBe(200);
    const index = (await call(server.url, '/v2/repository/index', { method: 'POST' })).body as unknown as Array<Record<string, string>>;
    const broken = index.find((r) => r.name === 'broken')!;
    expect(broken).toMatchObject({ version: '1', state: 'UNAVAILABLE' });
    expect(broken.reason).toContain(join('broken', '1'));
    const res = await call(server.url, '/v2/models/broken/infer', { body: mlpBody });
    expect(res.status).toBe(503);
    expect(res.body.error).toContain('is unavailable: loadModel');
    expect((await call(server.url, '/v2/repository/index', { body: { ready: true } })).body).toEqual([{ name: 'mnist-mlp', version: '1', state: 'READY', reason: '' }]);
  });

  it('explicit mode: load/unload, version policy latest 1 and specific, refused in mode none', async () => {
    const repo = makeRepository(fixtures!, [
      ['x', '1', 'mnist-mlp'],
      ['x', '2', 'mnist-mlp'],
      ['x', '3', 'mnist-mlp'],
    ]);
    writeFileSync(join(repo, 'x', 'config.json'), JSON.stringify({ version_policy: { latest: { num_versions: 1 } } }));
    const server = await startServer({ models: repo, port: 0, modelControlMode: 'explicit' });
    servers.push(server);
    expect(server.repository.index()).toEqual([{ name: 'x', version: '', state: 'UNAVAILABLE', reason: 'not loaded (model control mode explicit)' }]);
    expect((await call(server.url, '/v2/models/x/infer', { body: mlpBody })).status).toBe(404);
    expect((await call(server.url, '/v2/repository/models/x/load', { method: 'POST' })).status).toBe(200);
    expect((await call(server.url, '/v2/models/x')).body.versions).toEqual(['3']);
    writeFileSync(join(repo, 'x', 'config.json'), JSON.stringify({ version_policy: { specific: { versions: [1, 2] } } }));
    expect((await call(server.url, '/v2/repository/models/x/load', { method: 'POST' })).status).toBe(200);
    expect((await call(server.url, '/v2/models/x')).body.versions).toEqual(['1', '2']);
    expect((await call(server.url, '/v2/models/x/infer', { body: mlpBody })).body.model_version).toBe('2');
    expect((await call(server.url, '/v2/repository/models/x/unload', { method: 'POST', body: { parameters: { unload_dependents: false } } })).status).toBe(200);
    expect((await call(server.url, '/v2/models/x/infer', { body: mlpBody })).body.error).toContain('is unavailable: unloaded');
    const unknown = await call(server.url, '/v2/repository/models/nope/load', { method: 'POST' });
    expect([unknown.status, unknown.body.error]).toEqual([404, 'failed to load "nope": no model folder "nope" in the repository']);

    // latest 1 with a corrupt newest version: the newest version that loads serves, the corrupt one is reported.
    writeFileSync(join(repo, 'x', 'config.json'), JSON.stringify({ version_policy: { latest: { num_versions: 1 } } }));
    addGarbageVersion(repo, 'x', '4');
    const failed = await call(server.url, '/v2/repository/models/x/load', { method: 'POST' });
    expect(failed.status).toBe(400);
    expect(failed.body.error).toContain('failed to load "x": model "x" version "4": loadModel');
    expect((await call(server.url, '/v2/models/x')).body.versions).toEqual(['3']);
    expect(server.repository.index().map((r) => [r.version, r.state])).toEqual([
      ['3', 'READY'],
      ['4', 'UNAVAILABLE'],
    ]);
    rmSync(join(repo, 'x', '4'), { recursive: true });

    const fixed = await startServer({ models: repo, port: 0 });
    servers.push(fixed);
    const refused = await call(fixed.url, '/v2/repository/models/x/unload', { method: 'POST' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain('not allowed in model control mode "none"');
  });
});
