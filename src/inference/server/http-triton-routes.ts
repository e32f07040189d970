/**
 * Triton's HTTP extensions: model configuration (`GET /v2/models/{name}[/versions/{v}]/config`), statistics
 * (`GET /v2/models/stats`, `/v2/models/{name}[/versions/{v}]/stats`) and model repository control
 * (`POST /v2/repository/index`, `/v2/repository/models/{name}/load`, `/unload`), with Triton's JSON shapes so
 * `tritonclient.http` works unchanged.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InferenceCore } from './inference-core.js';
import { HttpError } from './errors.js';
import { unsafeNameReason } from './repository.js';

type Params = { name: string; version?: string };

/**
 * Model statistics in Triton's shape for every loaded version, one model, or one version.
 * @param core - The shared inference core.
 * @param name - Model name ('' or undefined = every model).
 * @param version - Version ('' or undefined = every loaded version).
 */
export function modelStats(core: InferenceCore, name?: string, version?: string): { model_stats: Array<Record<string, unknown>> } {
  if (!name) return { model_stats: core.repository.all().map((v) => v.stats.toJson(v.name, v.version)) };
  if (version) {
    const v = core.lookup(name, version);
    return { model_stats: [v.stats.toJson(v.name, v.version)] };
  }
  core.lookup(name); // the protocol's errors for unknown or unavailable models
  return { model_stats: core.repository.all().filter((v) => v.name === name).map((v) => v.stats.toJson(v.name, v.version)) };
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Refuses load parameters this server does not implement (config override, file upload). */
export function checkLoadParameters(parameters: unknown): void {
  if (parameters === undefined) return;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new HttpError(400, 'parameters must be an object');
  const keys = Object.keys(parameters).filter((k) => k !== 'unload_dependents');
  if (keys.length > 0) {
    throw new HttpError(400, `load parameters ${keys.map((k) => JSON.stringify(k)).join(', ')} are not supported; edit <repository>/<name>/config.json and load again`);
  }
}

/**
 * Registers the configuration, statistics and repository routes.
 * @param app - The fastify instance.
 * @param core - The shared inference core.
 */
export function registerTritonRoutes(app: FastifyInstance, core: InferenceCore): void {
  const config = async (request: FastifyRequest<{ Params: Params }>) => core.lookup(request.params.name, request.params.version).tritonConfig();
  app.get('/v2/models/:name/config', config);
  app.get('/v2/models/:name/versions/:version/config', config);

  const stats = async (request: FastifyRequest<{ Params: Params }>) => modelStats(core, request.params.name, request.params.version);
  app.get('/v2/models/stats', async () => modelStats(core));
  app.get('/v2/models/:name/stats', stats);
  app.get('/v2/models/:name/versions/:version/stats', stats);

  app.post('/v2/repository/index', async (request) => {
    const body = bodyObject(request.body);
    if (body.ready !== undefined && typeof body.ready !== 'boolean') throw new HttpError(400, `"ready" must be true or false, got ${JSON.stringify(body.ready)}`);
    return core.repository.index(body.ready === true);
  });
  const control = (action: 'load' | 'unload') => async (request: FastifyRequest<{ Params: Params }>) => {
    const bad = unsafeNameReason('model name', request.params.name);
    if (bad) throw new HttpError(400, bad);
    const body = bodyObject(request.body);
    checkLoadParameters(body.parameters);
    await (action === 'load' ? core.repository.load(request.params.name) : core.repository.unload(request.params.name));
    return {};
  };
  app.post('/v2/repository/models/:name/load', control('load'));
  app.post('/v2/repository/models/:name/unload', control('unload'));
}
