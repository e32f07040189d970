/**
 * Triton's generate extension (docs/protocol/extension_generate.md) for language models exported with a KV cache
 * (a version folder with decoder_with_past.onnx and tokenizer.json beside model.onnx):
 *
 * - `POST /v2/models/{name}[/versions/{v}]/generate`: one JSON response `{model_name, model_version, text_output,
 *   output_ids}`;
 * - `POST .../generate_stream`: Server-Sent Events, one `data: {...}` per token with that token's text; an error
 *   after the stream started is sent as `data: {"error": "..."}`. A client that disconnects stops the generation.
 *
 * The request: `text_input` (or `input_ids`, an array of token ids, for a model without a tokenizer) and the
 * sampling settings `max_tokens`, `temperature`, `top_k`, `seed`, either as top-level fields (as Triton maps them to
 * model inputs) or inside `parameters`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GenerateOptions, LanguageModel } from '../generation-types.js';
import { HttpError, clientMessage, statusOf } from './errors.js';
import type { InferenceCore } from './inference-core.js';
import type { ServedVersion } from './served-version.js';

type Params = { name: string; version?: string };

/** The largest max_tokens a request may ask for. */
export const MAX_TOKENS_LIMIT = 4096;
/** max_tokens when the request gives none. */
export const DEFAULT_MAX_TOKENS = 16;

interface GenerateRequest {
  id?: string;
  prompt: number[];
  options: GenerateOptions;
}

function field(body: Record<string, unknown>, parameters: Record<string, unknown>, name: string): unknown {
  if (body[name] !== undefined && parameters[name] !== undefined && body[name] !== parameters[name]) {
    throw new HttpError(400, `"${name}" is given twice with different values (top level and parameters)`);
  }
  return body[name] ?? parameters[name];
}

function intField(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `"${name}" must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Reads a generate request body into the prompt ids and the sampling options.
 * @param body - The parsed JSON body.
 * @param lm - The model (its tokenizer encodes text_input).
 */
export function parseGenerateRequest(body: unknown, lm: LanguageModel): GenerateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the request body must be a JSON object with "text_input"');
  const b = body as Record<string, unknown>;
  const p = b.parameters ?? {};
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new HttpError(400, '"parameters" must be an object');
  const parameters = p as Record<string, unknown>;
  if (b.id !== undefined && typeof b.id !== 'string') throw new HttpError(400, `"id" must be a string, got ${JSON.stringify(b.id)}`);
  let prompt: number[];
  if (b.text_input !== undefined) {
    if (typeof b.text_input !== 'string') throw new HttpError(400, `"text_input" must be a string, got ${JSON.stringify(b.text_input).slice(0, 60)}`);
    if (!lm.tokenizer) throw new HttpError(400, 'this model has no tokenizer.json; send "input_ids" (an array of token ids) instead of "text_input"');
    try {
      prompt = Array.from(lm.tokenizer.encode(b.text_input));
    } catch (e) {
      throw new HttpError(400, `"text_input": ${(e as Error).message}`);
    }
  } else if (b.input_ids !== undefined) {
    if (!Array.isArray(b.input_ids) || b.input_ids.some((v) => typeof v !== 'number')) throw new HttpError(400, '"input_ids" must be an array of token ids');
    prompt = b.input_ids as number[];
  } else {
    throw new HttpError(400, 'the request needs "text_input" (a string), or "input_ids" for a model without a tokenizer');
  }
  if (prompt.length === 0) throw new HttpError(400, '"text_input" is empty; give at least one character');
  const vocab = lm.vocabSize;
  const bad = prompt.findIndex((v) => !Number.isInteger(v) || v < 0 || (vocab !== null && v >= vocab));
  if (bad >= 0) throw new HttpError(400, `"input_ids"[${bad}] is ${prompt[bad]}, outside the vocabulary [0, ${vocab ?? '?'})`);
  const temperature = field(b, parameters, 'temperature');
  if (temperature !== undefined && (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0)) {
    throw new HttpError(400, `"temperature" must be a number >= 0, got ${JSON.stringify(temperature)}`);
  }
  return {
    id: b.id as string | undefined,
    prompt,
    options: {
      maxNewTokens: intField(field(b, parameters, 'max_tokens'), 'max_tokens', 0, MAX_TOKENS_LIMIT) ?? DEFAULT_MAX_TOKENS,
      temperature: temperature as number | undefined,
      topK: intField(field(b, parameters, 'top_k'), 'top_k', 0, Number.MAX_SAFE_INTEGER),
      seed: intField(field(b, parameters, 'seed'), 'seed', -(2 ** 31), 2 ** 31 - 1),
    },
  };
}

function languageModelOf(served: ServedVersion): LanguageModel {
  if (!served.languageModel) {
    throw new HttpError(400, `model "${served.name}" version "${served.version}" does not generate text: its folder has no decoder_with_past.onnx (twinml export of a gpt run writes it)`);
  }
  return served.languageModel;
}

/**
 * Registers generate and generate_stream.
 * @param app - The fastify instance.
 * @param core - The shared inference core.
 * @param onToken - Called for every generated token (the Prometheus counter).
 */
export function registerGenerateRoutes(app: FastifyInstance, core: InferenceCore, onToken: (served: ServedVersion) => void): void {
  const text = (lm: LanguageModel, ids: number[]) => (lm.tokenizer ? lm.tokenizer.decode(ids) : '');

  const generate = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const served = core.lookup(request.params.name, request.params.version);
    const lm = languageModelOf(served);
    const req = parseGenerateRequest(request.body, lm);
    return core.infer(served, async (context) => {
      context.rows = 1;
      const controller = new AbortController();
      // The connection closing before the response is written (the client went away) stops the generation.
      const stop = () => controller.abort();
      reply.raw.once('close', stop);
      const ids: number[] = [];
      try {
        for await (const token of lm.generate(req.prompt, { ...req.options, signal: controller.signal })) {
          ids.push(token);
          onToken(served);
        }
      } finally {
        reply.raw.off('close', stop);
      }
      return { ...(req.id !== undefined ? { id: req.id } : {}), model_name: served.name, model_version: served.version, text_output: text(lm, ids), output_ids: ids };
    });
  };

  const stream = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const served = core.lookup(request.params.name, request.params.version);
    const lm = languageModelOf(served);
    const req = parseGenerateRequest(request.body, lm);
    const controller = new AbortController();
    const raw = reply.raw;
    // The response's socket closing before the end (the client went away) stops the generation.
    raw.once('close', () => controller.abort());
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (data: Record<string, unknown>) => {
      if (!raw.destroyed) raw.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    try {
      await core.infer(served, async (context) => {
        context.rows = 1;
        for await (const token of lm.generate(req.prompt, { ...req.options, signal: controller.signal })) {
          onToken(served);
          if (core.closing) controller.abort(); // a stopping server ends open streams after this token
          send({ ...(req.id !== undefined ? { id: req.id } : {}), model_name: served.name, model_version: served.version, text_output: text(lm, [token]), output_ids: [token] });
        }
      });
    } catch (e) {
      const error = e as Error;
      const status = statusOf(error);
      if (status >= 500 && status !== 503) console.error(`twinml serve: generate_stream: ${error.stack ?? error.message}`);
      send({ error: clientMessage(error, status) });
    } finally {
      raw.end();
    }
  };

  app.post('/v2/models/:name/generate', generate);
  app.post('/v2/models/:name/versions/:version/generate', generate);
  app.post('/v2/models/:name/generate_stream', stream);
  app.post('/v2/models/:name/versions/:version/generate_stream', stream);
}
