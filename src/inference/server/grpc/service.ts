/** The GRPCInferenceService handlers: health, metadata, ModelInfer, configuration, statistics, repository control. */
import type { InferenceCore } from '../inference-core.js';
import { HttpError } from '../errors.js';
import { checkLoadParameters, modelStats } from '../http-triton-routes.js';
import { tensorMetadata } from '../oip.js';
import { grpcInferResponse, grpcRequestToFeeds, type GrpcInferRequest } from './tensors.js';

/** One unary RPC: the decoded request to the response object (errors become status codes in server.ts). */
export type UnaryHandler = (request: Record<string, unknown>) => Promise<unknown>;

function text(request: Record<string, unknown>, field: string): string {
  const v = request[field];
  return typeof v === 'string' ? v : '';
}

/** ModelRepositoryParameter values as plain values, for the same checks as HTTP. */
function repositoryParameters(request: Record<string, unknown>): Record<string, unknown> | undefined {
  const p = request.parameters as Record<string, Record<string, unknown>> | undefined;
  if (!p || Object.keys(p).length === 0) return undefined;
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v[v.parameter_choice as string] ?? v]));
}

/**
 * The handlers by RPC name.
 * @param core - The inference core shared with HTTP.
 * @param server - Name, version and extensions for ServerMetadata.
 */
export function grpcHandlers(core: InferenceCore, server: { serverName: string; serverVersion: string; extensions: string[] }): Record<string, UnaryHandler> {
  const repository = core.repository;
  return {
    ServerLive: async () => ({ live: true }),
    ServerReady: async () => ({ ready: !core.closing }),
    ModelReady: async (r) => {
      try {
        core.lookup(text(r, 'name'), text(r, 'version'));
        return { ready: !core.closing };
      } catch (e) {
        if ((e as HttpError).statusCode === 400) throw e;
        return { ready: false };
      }
    },
    ServerMetadata: async () => ({ name: server.serverName, version: server.serverVersion, extensions: server.extensions }),
    ModelMetadata: async (r) => {
      const s = core.lookup(text(r, 'name'), text(r, 'version'));
      return {
        name: s.name,
        versions: repository.versions(s.name),
        platform: 'onnxruntime_onnx',
        inputs: s.model.inputs.map(tensorMetadata),
        outputs: s.model.outputs.map(tensorMetadata),
      };
    },
    ModelInfer: async (r) => {
      if (core.closing) throw new HttpError(503, 'the server is shutting down');
      const request = r as unknown as GrpcInferRequest;
      const s = core.lookup(request.model_name ?? '', request.model_version ?? '');
      return core.infer(s, async (context) => {
        const t0 = performance.now();
        const { feeds, outputs } = grpcRequestToFeeds(request, s.model.inputs, s.model.outputs, s.allowNonFinite);
        context.rows = Object.values(feeds)[0]?.shape[0] ?? 0;
        context.timing.inputNs = (performance.now() - t0) * 1e6;
        const result = await s.batcher.submit(feeds, outputs, context.timing);
        const t1 = performance.now();
        const response = grpcInferResponse(s.name, s.version, request.id ?? '', result);
        context.timing.outputNs = (performance.now() - t1) * 1e6;
        return response;
      });
    },
    ModelConfig: async (r) => ({ config: core.lookup(text(r, 'name'), text(r, 'version')).tritonConfig() }),
    ModelStatistics: async (r) => modelStats(core, text(r, 'name'), text(r, 'version')),
    RepositoryIndex: async (r) => ({ models: repository.index(r.ready === true) }),
    RepositoryModelLoad: async (r) => {
      checkLoadParameters(repositoryParameters(r));
      await repository.load(text(r, 'model_name'));
      return {};
    },
    RepositoryModelUnload: async (r) => {
      checkLoadParameters(repositoryParameters(r));
      await repository.unload(text(r, 'model_name'));
      return {};
    },
  };
}
