/** `twinml predict` and `twinml serve` command implementations (serve runs in a child process for SIGTERM). */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPredict, type PredictArgs } from '../../src/cli/commands/predict.js';
import { fixtureModels, reference } from './fixtures/models.js';
import { call, makeRepository } from './http-helpers.js';

const fixtures = fixtureModels('inference CLI');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function predict(args: Partial<PredictArgs> & { model: string; input: string }, warnings: string[] = []): Promise<string> {
  const lines: string[] = [];
  await runPredict({ top: 5, raw: false, json: false, ...args }, (l) => lines.push(l), (w) => warnings.push(w));
  return lines.join('\n');
}

function softmaxTop(logits: number[], k: number): Array<{ index: number; probability: number }> {
  const max = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return logits
    .map((_, i) => ({ index: i, probability: exp[i]! / sum }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}

describe.skipIf(!fixtures)('twinml predict', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'twinml-predict-'));
  const model = () => join(fixtures!, 'mnist-mlp', '1');

  it('one JSON sample without the batch axis, --raw: the top classes PyTorch gives', async () => {
    const ref = reference(fixtures!, 'mnist-mlp');
    const file = join(tmp, 'one.json');
    writeFileSync(file, JSON.stringify(ref.input[0]));
    const out = JSON.parse(await predict({ model: model(), input: file, raw: true, top: 3, json: true })) as {
      results: Array<{ top: Array<{ index: number; probability: number }> }>;
    };
    const expected = softmaxTop(ref.output[0]!, 3);
    expect(out.results).toHaveLength(1);
    expect(out.results[0]!.top.map((t) => t.index)).toEqual(expected.map((e) => e.index));
    expect(out.results[0]!.top[0]!.probability).toBeCloseTo(expected[0]!.probability, 6);
    const text = await predict({ model: model(), input: file, raw: true, top: 2 });
    expect(text).toMatch(new RegExp(`^sample 0:\\n   1\\. ${expected[0]!.index}\\s+${expected[0]!.probability.toFixed(4)}\\n   2\\. ${expected[1]!.index}`));
  });

  it('a .npy batch written by numpy (.onnx path, model.json beside it)', async () => {
    const ref = reference(fixtures!, 'mnist-mlp');
    const out = JSON.parse(await predict({ model: join(model(), 'model.onnx'), input: join(model(), 'input.npy'), raw: true, top: 1, json: true })) as {
      results: Array<{ top: Array<{ index: number }> }>;
    };
    expect(out.results.map((r) => r.top[0]!.index)).toEqual(ref.output.map((row) => softmaxTop(row, 1)[0]!.index));
  });

  it('applies the card preprocessing unless --raw', async () => {
    const pixels = Array.from({ length: 784 }, (_, i) => (i * 31) % 256);
    const file = join(tmp, 'pixels.json');
    writeFileSync(file, JSON.stringify([pixels]));
    const scaled = join(tmp, 'scaled.json');
    writeFileSync(scaled, JSON.stringify([pixels.map((p) => (p / 255 - 0.1307) / 0.3081)]));
    const viaCard = await predict({ model: model(), input: file, json: true });
    const manual = await predict({ model: model(), input: scaled, raw: true, json: true });
    const probs = (s: string) => (JSON.parse(s) as { results: Array<{ top: Array<{ probability: number; index: number }> }> }).results[0]!.top;
    expect(probs(viaCard).map((t) => t.index)).toEqual(probs(manual).map((t) => t.index));
    expect(probs(viaCard)[0]!.probability).toBeCloseTo(probs(manual)[0]!.probability, 5);
  });

  it('a wrong shape is an error naming the expected shape; models without a card print raw outputs', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify([[1, 2, 3]]));
    await expect(predict({ model: model(), input: bad })).rejects.toThrow('has shape [1, 3] but the model expects float32 [batch, 784]');
    const two = join(tmp, 'two.json');
    writeFileSync(two, JSON.stringify({ a: [[1, 2, 3]], b: [[4, 5]] }));
    const text = await predict({ model: join(fixtures!, 'two-io', '1', 'model.onnx'), input: two });
    expect(text).toBe('y float32 [1, 3]: [11, 13, 15]\nz int64 [1, 2]: [12, 15]');
    await expect(predict({ model: model(), input: join(tmp, 'x.csv') })).rejects.toThrow('unsupported input file type ".csv"');
  });

  it('warns once (stderr) that the input is passed raw when the model has no card, and not for a carded model', async () => {
    const bare = join(mkdtempSync(join(tmpdir(), 'twinml-nocard-')), 'model.onnx');
    writeFileSync(bare, readFileSync(join(fixtures!, 'mnist-mlp', '1', 'model.onnx')));
    const npy = join(fixtures!, 'mnist-mlp', '1', 'input.npy');
    const warnings: string[] = [];
    await predict({ model: bare, input: npy }, warnings);
    await predict({ model: bare, input: npy }, warnings);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/has no model card \(model\.json\), so the input is passed to the model raw: no scaling/);
    const carded: string[] = [];
    await predict({ model: model(), input: npy }, carded);
    expect(carded).toEqual([]);
  });
});

describe.skipIf(!fixtures)('twinml serve', () => {
  it('serves, then on SIGTERM finishes in-flight requests and exits 0', async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    const script = `
      const { runServe } = await import(${JSON.stringify(join(root, 'dist', 'cli', 'commands', 'serve.js'))});
      await runServe({ models: ${JSON.stringify(repo)}, host: '127.0.0.1', port: 0, maxBatchSize: 64, maxQueueDelayMs: 500, workers: 1, bodyLimitMb: 1 });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(output);
        if (m) resolveUrl(m[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${output}`)));
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    expect(output).toContain('1 model version(s)');
    // queued for up to 500 ms (batch delay), so it is in flight when SIGTERM arrives
    const inFlight = call(url, '/v2/models/mnist-mlp/infer', { body: { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array(784).fill(0) }] } });
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: finishing in-flight requests');
    expect(output).toContain('twinml serve: stopped');
  });

  it('--exit-on-error (default): a garbage model.onnx stops start-up with exit 1 naming the file and the reason', async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    mkdirSync(join(repo, 'broken', '1'), { recursive: true });
    writeFileSync(join(repo, 'broken', '1', 'model.onnx'), 'garbage');
    const child = spawn(process.execPath, [join(root, 'bin', 'twinml.js'), 'serve', '--models', repo, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(output).toContain(`model "broken" version "1": loadModel ${join(repo, 'broken', '1', 'model.onnx')}: cannot load the model`);
    expect(output).toContain('--exit-on-error=false');
  });

  it('--help lists every option', async () => {
    const child = spawn(process.execPath, [join(root, 'bin', 'twinml.js'), 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise((r) => child.on('exit', r));
    for (const option of ['--models', '--host', '--port', '--token', '--max-batch-size', '--max-queue-delay-ms', '--workers', '--intra-op-threads', '--body-limit-mb', '--grpc-port', '--model-control-mode', '--repository-poll-secs', '--load-model', '--exit-on-error']) {
      expect(output).toContain(option);
    }
  });
});
