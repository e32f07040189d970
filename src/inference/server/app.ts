/**
 * The Open Inference Protocol v2 HTTP server over a model repository (fastify: JSON schema validation through
 * ajv, a body-size limit enforced while streaming, route params, hooks for auth/metrics and a graceful close that
 * lets in-flight requests finish; it is also the fastest maintained Node framework for small JSON requests).
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { BatchingOptions } from './batcher.js';
import { ServerMetrics } from './metrics.js';
import { BINARY_EXTENSION, BINARY_SUPPORTED, binarySection, INFERENCE_HEADER, parseInferBody } from './binary-tensor.js';
import { binaryResponseBody, inferRequestSchema, inferResponseJson, requestToFeeds, tensorMetadata, type OipInferRequest } from './oip.js';
import { ModelRepository, type ModelControlMode } from './repository.js';
import { clientMessage, HttpError, statusOf } from './errors.js';
import { InferenceCore } from './inference-core.js';
import { registerTritonRoutes } from './http-triton-routes.js';
import { registerGenerateRoutes } from './http-generate-routes.js';
import type { LoadModelOptions } from '../types.js';
import type { GrpcServer } from './grpc/server.js';

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
  /** Session options for every model (workers per model, intra-op threads, execution providers); a model's config file overrides workers and threads. */
  session?: LoadModelOptions;
  /** Port of the KServe v2 / Triton gRPC service (GRPCInferenceService); undefined = no gRPC (0 picks a free port). */
  grpcPort?: number;
  /** Model control mode, as Triton's --model-control-mode (default none). */
  modelControlMode?: ModelControlMode;
  /** Poll interval in seconds in poll mode (default 15). */
  repositoryPollSeconds?: number;
  /** Models loaded at start in explicit mode (`*` = all; default none, as Triton's --load-model). */
  loadModels?: string[];
  /** Stop start-up when a model fails to load (default true, as Triton); false serves the others. */
  exitOnError?: boolean;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  /** The gRPC port when gRPC is on. */
  grpcPort?: number;
  repository: ModelRepository;
  app: FastifyInstance;
  /** Stops accepting requests, lets in-flight ones finish, then releases the models. */
  close(): Promise<void>;
}

const SERVER_NAME = 'twinml';
const SERVER_VERSION = '0.1.0';

/**
 * Loads the repository and starts listening.
 * @param options - Repository folder, address, token, limits, batching and session options.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const metrics = new ServerMetrics();
  const bodyLimit = options.bodyLimitBytes ?? 16 * 1024 * 1024;
  const repository = await ModelRepository.open({
    root: options.models,
    session: options.session,
    defaults: {
      maxBatchSize: options.batching?.maxBatchSize ?? 64,
      maxQueueDelayMs: options.batching?.maxQueueDelayMs ?? 2,
      workers: options.session?.workers ?? 1,
      intraOpThreads: options.session?.intraOpThreads,
    },
    controlMode: options.modelControlMode,
    loadModels: options.loadModels,
    exitOnError: options.exitOnError,
    metricsFor: (model, version) => ({
      onBatch(rows, queueSeconds) {
        metrics.batchSize.observe({ model, version }, rows);
        for (const q of queueSeconds) metrics.queueTime.observe({ model, version }, q);
      },
    }),
  });
  const core = new InferenceCore(repository, metrics);
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
      // Repository control requests may come without a body (tritonclient sends none for index and load).
      if ((body as Buffer).length === 0 && request.url.startsWith('/v2/repository/')) return done(null, undefined);
      done(null, parseInferBody(body as Buffer, request.headers[INFERENCE_HEADER]));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  // Hooks in callback style: these run on every request, and an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (core.closing) {
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
    if (core.closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) });
    done();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = statusOf(error);
    if (status >= 500 && status !== 503) console.error(`twinml serve: ${request.method} ${request.routeOptions.url}: ${error.stack ?? error.message}`);
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `request body is larger than the limit of ${bodyLimit} bytes`
        : error.validation
          ? `invalid request: ${error.message}`
          : clientMessage(error, status);
    void reply.code(status).type('application/json').send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.slice(0, 100)}; see GET /v2 and /v2/models/{name}` });
  });

  type Params = { name: string; version?: string };
  const lookup = (params: Params) => core.lookup(params.name, params.version);

  const extensions = [...(BINARY_SUPPORTED ? [BINARY_EXTENSION] : []), 'model_repository', 'model_configuration', 'statistics'];
  // generate is an HTTP-only extension (as in Triton): gRPC's server metadata does not list it.
  const httpExtensions = [...extensions, 'generate'];
  app.get('/v2', async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: httpExtensions }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => {
    if (core.closing) return reply.code(503).send({ ready: false });
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
      ...(s.card ? { parameters: { task: s.card.task ?? 'classification', ...(s.card.head ? { head: s.card.head } : {}), labels: s.card.labels, outputs: (s.card.outputs ?? [s.card.output]).map((o) => o.name), preprocessing: s.card.preprocessing } } : {}),
    };
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);
  const ready = async (request: FastifyRequest<{ Params: Params }>) => {
    const s = lookup(request.params);
    return { name: s.name, version: s.version, ready: !core.closing };
  };
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);

  const infer = async (request: FastifyRequest<{ Params: Params; Body: OipInferRequest }>, reply: FastifyReply) => {
    const s = lookup(request.params);
    return core.infer(s, async (context) => {
      const t0 = performance.now();
      const { feeds, outputs, binaryOutputs } = requestToFeeds(request.body, s.model.inputs, s.model.outputs, binarySection(request.body), s.allowNonFinite);
      context.rows = Object.values(feeds)[0]?.shape[0] ?? 0;
      context.timing.inputNs = (performance.now() - t0) * 1e6;
      const result = await s.batcher.submit(feeds, outputs, context.timing);
      const t1 = performance.now();
      const json = inferResponseJson(s.name, s.version, request.body.id, result, binaryOutputs);
      if (binaryOutputs.size === 0) {
        context.timing.outputNs = (performance.now() - t1) * 1e6;
        return reply.type('application/json').send(json);
      }
      const { body, headerLength } = binaryResponseBody(json, result, binaryOutputs);
      context.timing.outputNs = (performance.now() - t1) * 1e6;
      return reply.header(INFERENCE_HEADER, String(headerLength)).type('application/octet-stream').send(body);
    });
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

  registerTritonRoutes(app, core);
  registerGenerateRoutes(app, core, (served) => metrics.generatedTokens.inc({ model: served.name, version: served.version }));

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const host = options.host ?? '127.0.0.1';
  let grpc: GrpcServer | undefined;
  try {
    await app.listen({ host, port: options.port ?? 8080 });
    if (options.grpcPort !== undefined) {
      const { startGrpcServer } = await import('./grpc/server.js'); // @grpc/grpc-js loads only when gRPC is on
      grpc = await startGrpcServer(core, { host, port: options.grpcPort, token: options.token, maxMessageBytes: bodyLimit, serverName: SERVER_NAME, serverVersion: SERVER_VERSION, extensions });
    }
  } catch (e) {
    await app.close();
    await repository.close();
    throw e;
  }
  if (options.modelControlMode === 'poll') repository.startPolling(options.repositoryPollSeconds ?? 15);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    grpcPort: grpc?.port,
    repository,
    app,
    close() {
      closed ??= (async () => {
        core.closing = true;
        await Promise.all([app.close(), grpc?.close()]);
        await repository.close();
      })();
      return closed;
    },
  };
}
