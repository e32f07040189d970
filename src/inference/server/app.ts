/**
 * The Open Inference Protocol v2 HTTP server over a model repository (fastify: JSON schema validation through
 * ajv, a body-size limit enforced while streaming, route params, hooks for auth/metrics and a graceful close that
 * lets in-flight requests finish; it is also the fastest maintained Node framework for small JSON requests).
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { InputError } from '../tensor-input.js';
import { DynamicBatcher, type BatchingOptions } from './batcher.js';
import { ServerMetrics } from './metrics.js';
import { BINARY_EXTENSION, BINARY_SUPPORTED, binarySection, INFERENCE_HEADER, parseInferBody } from './binary-tensor.js';
import { binaryResponseBody, inferRequestSchema, inferResponseJson, requestToFeeds, tensorMetadata, type OipInferRequest } from './oip.js';
import { ModelRepository, unsafeNameReason, type RepositoryModel } from './repository.js';
import type { LoadModelOptions } from '../types.js';

export interface ServeOptions {
  /** The model repository folder: `<name>/<version>/model.onnx`. */
  models: string;
  /** Interface to bind (default 127.0.0.1, loopback only). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** When set, every request except /v2/health/* needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body in bytes (default 16 MiB). */
  bodyLimitBytes?: number;
  /** Dynamic batching per model version (maxBatchSize 1 turns it off). */
  batching?: BatchingOptions;
  /** Session options for every model (workers per model, intra-op threads, execution providers). */
  session?: LoadModelOptions;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  repository: ModelRepository;
  app: FastifyInstance;
  /** Stops accepting requests, lets in-flight ones finish, then releases the models. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const SERVER_NAME = 'twinml';
const SERVER_VERSION = '0.1.0';

interface Served extends RepositoryModel {
  batcher: DynamicBatcher;
}

function statusOf(error: FastifyError | Error): number {
  if (error instanceof InputError) return 400;
  const code = (error as FastifyError).statusCode;
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  if (error.message.startsWith('onnxruntime:')) return 400; // the session rejected values that passed our checks
  if (error.message.startsWith('inference worker stopped')) return 503;
  return 500;
}

function messageOf(error: FastifyError | Error, status: number, bodyLimit: number): string {
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return `request body is larger than the limit of ${bodyLimit} bytes`;
  if ((error as FastifyError).validation) return `invalid request: ${error.message}`;
  if (error.message.startsWith('onnxruntime:')) return `the model could not run on this input (${error.message})`;
  if (status >= 500 && status !== 503) return 'internal server error';
  return error.message;
}

/**
 * Loads the repository and starts listening.
 * @param options - Repository folder, address, token, limits, batching and session options.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const repository = await ModelRepository.load(options.models, options.session);
  const metrics = new ServerMetrics();
  const bodyLimit = options.bodyLimitBytes ?? 16 * 1024 * 1024;
  const served = new Map<RepositoryModel, Served>();
  for (const entry of repository.all()) {
    const labels = { model: entry.name, version: entry.version };
    const batcher = new DynamicBatcher(entry.model, options.batching, {
      onBatch(rows, queueSeconds) {
        metrics.batchSize.observe(labels, rows);
        for (const s of queueSeconds) metrics.queueTime.observe(labels, s);
      },
    });
    served.set(entry, { ...entry, batcher });
  }
  let closing = false;
  const token = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;

  const app = Fastify({
    bodyLimit,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: 60_000,
    routerOptions: { maxParamLength: 512 }, // long names reach our own check and its message
    // Router-level errors (undecodable URL, oversized parameter) in the same {"error"} shape as everything else.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).code(400).type('application/json').send({ error: `bad request URL (${error.code})` });
    },
    // Errors from the HTTP parser before any route runs (bad framing, header overflow, timeouts).
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, text] =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
      const body = JSON.stringify({ error: `malformed HTTP request (${error.code ?? 'parse error'})` });
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
      }
      socket.destroy();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });

  // Every body is parsed as JSON whatever its content type (clients differ), or as a JSON header plus binary
  // tensor data when Inference-Header-Content-Length is sent; errors become 400 with the reason.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseInferBody(body as Buffer, request.headers[INFERENCE_HEADER]));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  // Hooks in callback style: these run on every request, and an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) {
      reply.header('connection', 'close');
      return done(new HttpError(503, 'the server is shutting down'));
    }
    if (token && !request.url.startsWith('/v2/health/')) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== token.length || !timingSafeEqual(given, token)) {
        reply.header('www-authenticate', 'Bearer');
        return done(new HttpError(401, 'missing or wrong bearer token (send Authorization: Bearer <token>)'));
      }
    }
    done();
  });
  // While closing, every response ends its connection so keep-alive clients do not hold the close open.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) });
    done();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = statusOf(error);
    if (status >= 500 && status !== 503) console.error(`twinml serve: ${request.method} ${request.routeOptions.url}: ${error.stack ?? error.message}`);
    void reply.code(status).type('application/json').send({ error: messageOf(error, status, bodyLimit) });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.slice(0, 100)}; see GET /v2 and /v2/models/{name}` });
  });

  type Params = { name: string; version?: string };
  const lookup = (params: Params): Served => {
    const bad = unsafeNameReason('model name', params.name) ?? (params.version !== undefined ? unsafeNameReason('version', params.version) : null);
    if (bad) throw new HttpError(400, bad);
    const entry = repository.get(params.name, params.version);
    if (!entry) {
      const versions = repository.versions(params.name);
      if (versions.length > 0) throw new HttpError(404, `model "${params.name}" has no version "${params.version}"; versions: ${versions.join(', ')}`);
      const names = repository.names();
      throw new HttpError(404, `unknown model "${params.name}"; models: ${names.slice(0, 20).join(', ') || '(none)'}${names.length > 20 ? ', …' : ''}`);
    }
    return served.get(entry)!;
  };

  const extensions = BINARY_SUPPORTED ? [BINARY_EXTENSION] : [];
  app.get('/v2', async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => {
    if (closing) return reply.code(503).send({ ready: false });
    return { ready: true };
  });

  const metadata = async (request: FastifyRequest<{ Params: Params }>) => {
    const s = lookup(request.params);
    return {
      name: s.name,
      versions: repository.versions(s.name),
      platform: 'onnxruntime_onnx',
      inputs: s.model.inputs.map(tensorMetadata),
      outputs: s.model.outputs.map(tensorMetadata),
      ...(s.card ? { parameters: { head: s.card.head, labels: s.card.labels, preprocessing: s.card.preprocessing } } : {}),
    };
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);
  const ready = async (request: FastifyRequest<{ Params: Params }>) => {
    const s = lookup(request.params);
    return { name: s.name, version: s.version, ready: !closing };
  };
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);

  const infer = async (request: FastifyRequest<{ Params: Params; Body: OipInferRequest }>, reply: FastifyReply) => {
    const start = performance.now();
    const s = lookup(request.params);
    const labels = { model: s.name, version: s.version };
    metrics.inferRequests.inc(labels);
    try {
      const { feeds, outputs, binaryOutputs } = requestToFeeds(request.body, s.model.inputs, s.model.outputs, binarySection(request.body));
      const result = await s.batcher.submit(feeds, outputs);
      const json = inferResponseJson(s.name, s.version, request.body.id, result, binaryOutputs);
      if (binaryOutputs.size === 0) return reply.type('application/json').send(json);
      const { body, headerLength } = binaryResponseBody(json, result, binaryOutputs);
      return reply.header(INFERENCE_HEADER, String(headerLength)).type('application/octet-stream').send(body);
    } catch (e) {
      metrics.inferFailures.inc({ ...labels, reason: statusOf(e as Error) < 500 ? 'client' : 'server' });
      throw e;
    } finally {
      metrics.inferLatency.observe(labels, (performance.now() - start) / 1000);
    }
  };
  // Unknown or unsafe model names fail before the body is read or validated.
  const inferRoute = {
    schema: { body: inferRequestSchema },
    onRequest: (request: FastifyRequest<{ Params: Params }>, _reply: FastifyReply, done: (error?: Error) => void) => {
      try {
        lookup(request.params);
      } catch (e) {
        return done(e as Error);
      }
      done();
    },
  };
  app.post('/v2/models/:name/infer', inferRoute, infer);
  app.post('/v2/models/:name/versions/:version/infer', inferRoute, infer);

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  } catch (e) {
    await repository.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  const host = options.host ?? '127.0.0.1';
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    repository,
    app,
    close() {
      closed ??= (async () => {
        closing = true;
        await app.close();
        await repository.close();
      })();
      return closed;
    },
  };
}
