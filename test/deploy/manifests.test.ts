/**
 * The scale-out manifests in deploy/: the KServe ServingRuntime and InferenceService validate against KServe's own
 * CRD schemas (deploy/kserve/schemas, extracted from kserve/kserve's CRDs) with ajv, in strict-field mode (an
 * unknown field is an error, as `kubectl apply --validate=strict` makes it); the Dockerfile passes
 * dockerfile-utils' validator, runs `twinml serve` as a non-root user on a /models volume, and its HEALTHCHECK
 * command succeeds against a real `twinml serve` and fails without one. The serve flags the manifests use exist.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const deploy = join(root, 'deploy');

type Schema = Record<string, unknown>;

/**
 * Kubernetes prunes unknown fields of structural schemas; strict validation rejects them. JSON Schema accepts them
 * unless `additionalProperties: false`, so add it wherever the CRD lists properties and does not keep unknown
 * fields.
 */
function strictFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictFields);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strictFields(s)])) : strictFields(v);
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

function validator(file: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const keyword of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations', 'x-kubernetes-embedded-resource']) {
    ajv.addKeyword(keyword);
  }
  for (const format of ['int32', 'int64', 'double', 'float', 'byte', 'date-time']) ajv.addFormat(format, true);
  const { $comment: _comment, ...schema } = JSON.parse(readFileSync(join(deploy, 'kserve', 'schemas', file), 'utf8')) as Schema;
  return ajv.compile(strictFields(schema) as Schema);
}

const servingRuntime = validator('servingruntime.schema.json');
const inferenceService = validator('inferenceservice.schema.json');

function manifest(file: string): Record<string, unknown> {
  return parse(readFileSync(join(deploy, 'kserve', file), 'utf8')) as Record<string, unknown>;
}

function errorsOf(check: ValidateFunction, document: unknown): string[] {
  return check(document) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

describe('KServe manifests (deploy/kserve)', () => {
  it('the ServingRuntime and the InferenceService validate against the KServe CRD schemas', () => {
    const runtime = manifest('servingruntime.yaml');
    const service = manifest('inferenceservice.yaml');
    expect([runtime.apiVersion, runtime.kind]).toEqual(['serving.kserve.io/v1alpha1', 'ServingRuntime']);
    expect([service.apiVersion, service.kind]).toEqual(['serving.kserve.io/v1beta1', 'InferenceService']);
    expect(errorsOf(servingRuntime, runtime)).toEqual([]);
    expect(errorsOf(inferenceService, service)).toEqual([]);
    // The InferenceService selects this runtime and a model format it supports.
    const model = (service.spec as { predictor: { model: { runtime: string; modelFormat: { name: string } } } }).predictor.model;
    const spec = runtime.spec as { supportedModelFormats: Array<{ name: string }>; containers: Array<Record<string, unknown>> };
    expect(model.runtime).toBe((runtime.metadata as { name: string }).name);
    expect(spec.supportedModelFormats.map((f) => f.name)).toContain(model.modelFormat.name);
  });

  it('the validation catches an unknown field, a wrong type and a bad enum value', () => {
    const service = manifest('inferenceservice.yaml');
    const predictor = (service.spec as { predictor: Record<string, unknown> }).predictor;
    expect(errorsOf(inferenceService, { ...service, spec: { predictor: { ...predictor, minReplica: 2 } } }).join('\n')).toMatch(/additionalProperty.*minReplica/);
    expect(errorsOf(inferenceService, { ...service, spec: { predictor: { ...predictor, minReplicas: 'two' } } }).join('\n')).toMatch(/minReplicas must be integer/);
    expect(errorsOf(inferenceService, { ...service, spec: { predictor: { ...predictor, scaleMetric: 'latency' } } }).join('\n')).toMatch(/scaleMetric must be equal to one of the allowed values/);
    const runtime = manifest('servingruntime.yaml');
    const spec = runtime.spec as { containers: Array<Record<string, unknown>> };
    const container = { ...spec.containers[0]!, readinessProbe: { httpGet: { pth: '/v2/health/ready', port: 8080 } } };
    expect(errorsOf(servingRuntime, { ...runtime, spec: { ...spec, containers: [container] } }).join('\n')).toMatch(/readinessProbe\/httpGet.*pth/);
  });

  it('the runtime probes the OIP health endpoints and passes only flags `twinml serve` knows', () => {
    const runtime = manifest('servingruntime.yaml');
    const container = (runtime.spec as { containers: Array<{ args: string[]; readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } } }> }).containers[0]!;
    expect(container.readinessProbe.httpGet.path).toBe('/v2/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/v2/health/live');
    const help = spawnSync(process.execPath, [join(root, 'bin', 'twinml.js'), 'serve', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of container.args.filter((a) => a.startsWith('--'))) expect(help.stdout).toContain(flag);
    expect(container.args.slice(0, 3)).toEqual(['serve', '--models', '/mnt/models']);
  });
});

describe('container file (deploy/Dockerfile)', () => {
  const text = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
  const instructions = DockerfileParser.parse(text).getInstructions();
  const finalStage = instructions.slice(instructions.map((i) => i.getKeyword()).lastIndexOf('FROM'));
  const args = (keyword: string): string[] => finalStage.filter((i) => i.getKeyword() === keyword).flatMap((i) => i.getArguments().map((a) => a.getValue()));

  it("passes dockerfile-utils' validator and serves a /models volume as a non-root user", () => {
    expect(validateDockerfile(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    const user = args('USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(args('VOLUME').join(' ')).toContain('/models');
    expect(args('ENTRYPOINT').join(' ')).toContain('bin/twinml.js');
    // The young-generation size the load test holds RSS flat with (docs/inference-server.md).
    expect(args('ENTRYPOINT').join(' ')).toContain('--min-semi-space-size=16');
    expect(args('CMD').join(' ')).toMatch(/"serve", "--models", "\/models", "--host", "0\.0\.0\.0", "--port", "8080"/);
    expect(args('HEALTHCHECK').join(' ')).toContain('http://127.0.0.1:8080/v2/health/ready');
  });

  it('its HEALTHCHECK command succeeds against a running `twinml serve` and fails without one', async () => {
    const healthcheck = finalStage.find((i) => i.getKeyword() === 'HEALTHCHECK')!.getTextContent();
    const script = /"-e", "((?:[^"\\]|\\.)*)"\]/.exec(healthcheck)![1]!;
    const server = spawn(process.execPath, [join(root, 'bin', 'twinml.js'), 'serve', '--models', join(root, 'models'), '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/[^\s]+)/.exec(out);
          if (m) resolveUrl(m[1]!);
        });
        server.on('exit', (code) => reject(new Error(`twinml serve exited with ${code}: ${out}`)));
      });
      const check = (base: string) => spawnSync(process.execPath, ['-e', script.replace('http://127.0.0.1:8080', base)], { encoding: 'utf8', timeout: 10_000 }).status;
      expect(check(url)).toBe(0);
      expect(check('http://127.0.0.1:9')).toBe(1);
    } finally {
      server.kill('SIGTERM');
    }
  }, 30_000);
});
