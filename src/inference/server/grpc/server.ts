/**
 * The KServe v2 / Triton gRPC service (`inference.GRPCInferenceService`, Triton's public grpc_service.proto in
 * ./proto) on @grpc/grpc-js, plus `grpc.health.v1.Health`. It shares the repository, batchers, metrics, limits
 * and bearer token with the HTTP server. Every handler's error becomes a status code; an undecodable message gets
 * INVALID_ARGUMENT; nothing a client sends can stop the process.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { InferenceCore } from '../inference-core.js';
import { HttpError } from '../errors.js';
import { loadInferCodec } from './infer-codec.js';
import { grpcHandlers, type UnaryHandler } from './service.js';
import { toGrpcError } from './status.js';

export interface GrpcServerOptions {
  host: string;
  /** Port (0 picks a free one). */
  port: number;
  /** Bearer token required in the `authorization` metadata (health RPCs excepted). */
  token?: string;
  /** Largest message in bytes, both ways. */
  maxMessageBytes: number;
  serverName: string;
  serverVersion: string;
  extensions: string[];
}

export interface GrpcServer {
  port: number;
  /** Refuses new calls, lets running ones finish (at most 10 s), then stops. */
  close(): Promise<void>;
}

/** RPCs answered without a token, as /v2/health/* over HTTP. */
const OPEN = new Set(['ServerLive', 'ServerReady', 'Check']);

const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'proto');

/** A request that protobuf could not decode; the handler wrapper answers it with INVALID_ARGUMENT. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

function loadServices(): { inference: grpc.ServiceDefinition; health: grpc.ServiceDefinition } {
  const definition = protoLoader.loadSync([join(PROTO_DIR, 'grpc_service.proto'), join(PROTO_DIR, 'health.proto')], {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: [PROTO_DIR],
  });
  const service = (name: string) => {
    const def = definition[name] as unknown as grpc.ServiceDefinition;
    if (name === 'inference.GRPCInferenceService') {
      // The request path's RPC without proto-loader's per-call object conversion (infer-codec.ts).
      const codec = loadInferCodec(PROTO_DIR);
      const infer = def.ModelInfer as grpc.MethodDefinition<unknown, unknown>;
      (def as Record<string, grpc.MethodDefinition<unknown, unknown>>).ModelInfer = { ...infer, requestDeserialize: codec.decodeRequest, responseSerialize: (r: unknown) => codec.encodeResponse(r as Record<string, unknown>) };
    }
    for (const method of Object.values(def)) {
      const decode = method.requestDeserialize;
      (method as { requestDeserialize: (bytes: Buffer) => unknown }).requestDeserialize = (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (e) {
          return new UndecodableRequest((e as Error).message);
        }
      };
    }
    return def;
  };
  return { inference: service('inference.GRPCInferenceService'), health: service('grpc.health.v1.Health') };
}

/**
 * Starts the gRPC server.
 * @param core - The inference core shared with HTTP.
 * @param options - Address, token, limits and the server's metadata.
 */
export async function startGrpcServer(core: InferenceCore, options: GrpcServerOptions): Promise<GrpcServer> {
  const { inference, health } = loadServices();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
    // channelz keeps per-call bookkeeping for debugging tools; off, it costs nothing per call.
    'grpc.enable_channelz': 0,
  });
  const token = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  const counter = core.metrics.grpcRequests;

  const wrap = (method: string, handler: UnaryHandler): grpc.handleUnaryCall<unknown, unknown> => (call, callback) => {
    const finish = (error: Partial<grpc.ServiceError> | null, response?: unknown) => {
      counter.inc({ method, code: grpc.status[error?.code ?? grpc.status.OK] ?? String(error?.code) });
      callback(error, response);
    };
    try {
      if (token && !OPEN.has(method)) {
        const given = Buffer.from(String(call.metadata.get('authorization')[0] ?? ''));
        if (given.length !== token.length || !timingSafeEqual(given, token)) {
          throw new HttpError(401, 'missing or wrong bearer token (send metadata authorization: Bearer <token>)');
        }
      }
      if (call.request instanceof UndecodableRequest) throw new HttpError(400, `the ${method} request is not a valid protobuf message (${call.request.reason})`);
      handler(call.request as Record<string, unknown>).then(
        (response) => finish(null, response),
        (e: unknown) => finish(logged(method, e as Error)),
      );
    } catch (e) {
      finish(logged(method, e as Error));
    }
  };
  const logged = (method: string, error: Error) => {
    const grpcError = toGrpcError(error);
    if (grpcError.code === grpc.status.INTERNAL) console.error(`twinml serve: gRPC ${method}: ${error.stack ?? error.message}`);
    return grpcError;
  };

  const handlers = grpcHandlers(core, options);
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(inference)) {
    const handler = handlers[name];
    implementation[name] = handler
      ? wrap(name, handler)
      : wrap(name, async () => {
          throw Object.assign(new Error(`${name} is not implemented by twinml serve`), { statusCode: 501 });
        });
  }
  for (const [name, def] of Object.entries(inference)) {
    if (def.requestStream || def.responseStream) {
      // ModelStreamInfer: answer UNIMPLEMENTED instead of a unary wrapper.
      implementation[name] = (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        counter.inc({ method: name, code: 'UNIMPLEMENTED' });
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by twinml serve; use ModelInfer` });
      };
    }
  }
  server.addService(inference, implementation);
  server.addService(health, { Check: wrap('Check', async () => ({ status: core.closing ? 'NOT_SERVING' : 'SERVING' })) });

  const address = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(new Error(`gRPC: cannot listen on ${address}: ${error.message}`)) : resolve(bound)));
  });
  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 10_000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closed;
    },
  };
}
