/**
 * Run configuration files: `--config run.json | run.yaml | run.yml`, a mapping of option names (kebab-case as
 * on the command line, or camelCase) to values. Command-line flags override the file; defaults fill the rest.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';

export type ConfigValues = Record<string, unknown>;

export const CONFIG_EXTENSIONS = ['.json', '.yaml', '.yml'];

/** 'batch-size' -> 'batchSize' */
export function camelCase(key: string): string {
  return key.replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads and parses a config file, normalising keys to camelCase and rejecting keys that are not options.
 * @param path - a .json, .yaml or .yml file
 * @param knownKeys - the accepted option names (camelCase)
 */
export function loadConfigFile(path: string, knownKeys: readonly string[]): ConfigValues {
  const ext = extname(path).toLowerCase();
  if (!CONFIG_EXTENSIONS.includes(ext)) throw new Error(`--config ${path}: unknown file type '${ext}'; valid: ${CONFIG_EXTENSIONS.join(', ')}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`--config ${path}: cannot read the file (${(e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`--config ${path}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`--config ${path}: the top level must be a mapping of option names to values`);
  const out: ConfigValues = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const name = camelCase(key);
    if (!knownKeys.includes(name)) unknown.push(key);
    else out[name] = value;
  }
  if (unknown.length) {
    const valid = knownKeys.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    throw new Error(`--config ${path}: unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; valid: ${valid.join(', ')}`);
  }
  return out;
}
