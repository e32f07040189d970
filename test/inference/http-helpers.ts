/** Small helpers for the server tests: a temp model repository from the fixture models, and JSON requests. */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer, type ServeOptions } from '../../src/inference/index.js';

/** A server that runs for one describe block; `url` and `server` are set once its beforeAll has run. */
export interface SuiteServer {
  url: string;
  server: RunningServer;
}

/**
 * Starts a server on a random loopback port over a fresh repository before the enclosing describe block's tests
 * and closes it after them (call inside the describe).
 * @param fixtures - Directory from fixtureModels().
 * @param layout - [name, version, fixture name] triples for makeRepository.
 * @param options - Server options besides models and port (batching, limits).
 */
export function serveDuringSuite(fixtures: string, layout: Array<[string, string, string]>, options: Omit<ServeOptions, 'models' | 'port'> = {}): SuiteServer {
  const live = {} as SuiteServer;
  beforeAll(async () => {
    live.server = await startServer({ ...options, models: makeRepository(fixtures, layout), port: 0 });
    live.url = live.server.url;
  });
  afterAll(async () => {
    await live.server?.close();
  });
  return live;
}

/**
 * Lays out a repository `<root>/<name>/<version>/` from fixture models.
 * @param fixtures - Directory from fixtureModels().
 * @param layout - [name, version, fixture name] triples.
 */
export function makeRepository(fixtures: string, layout: Array<[string, string, string]>): string {
  const root = mkdtempSync(join(tmpdir(), 'twinml-repo-'));
  for (const [name, version, fixture] of layout) cpSync(join(fixtures, fixture, '1'), join(root, name, version), { recursive: true });
  writeFileSync(join(root, 'README.txt'), 'not a model');
  return root;
}

export interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

/**
 * Sends a request and parses the JSON answer (body is null when the response is not JSON).
 * @param base - Server URL.
 * @param path - Path.
 * @param init - Method, headers, body (objects are JSON-encoded).
 */
export async function call(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const response = await fetch(base + path, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...init.headers },
    body,
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { notJson: text };
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** A raw HTTP answer: status, body as bytes and as UTF-8 text, headers. */
export interface RawAnswer {
  status: number;
  text: string;
  body: Buffer;
  headers: IncomingHttpHeaders;
}

/**
 * Sends a request with node:http exactly as given (no URL normalisation, any bytes as body).
 * @param base - Server URL.
 * @param method - HTTP method.
 * @param path - Raw request path.
 * @param body - Raw body.
 * @param headers - Extra headers.
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, text: raw.toString('utf8'), body: raw, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}
