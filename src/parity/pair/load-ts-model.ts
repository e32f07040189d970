/**
 * Loads a user's model class from a TypeScript (or JavaScript) file without a build step, through tsx's
 * loader API (esbuild under the hood): `./net.ts#Net` names the file and the exported class.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../../util/paths.js';

let redirectRegistered = false;
let tsxRegistered = false;

/**
 * Lets Node import .ts files for the rest of the process (tsx's loader; a user's model file needs no build).
 * Global rather than namespaced, so that a model file and twinml share module instances.
 */
async function registerTsx(): Promise<void> {
  if (tsxRegistered) return;
  tsxRegistered = true;
  const { register: registerTsxLoader } = await import('tsx/esm/api');
  registerTsxLoader();
  // Registered after tsx, so it runs first and sees tsx's answer (see TS_AS_ESM_HOOK).
  register(`data:text/javascript,${encodeURIComponent(TS_AS_ESM_HOOK)}`);
}

/**
 * A resolve hook: a project's own `.ts`/`.tsx` file is loaded as an ES module even when its package.json says
 * `"type": "commonjs"` (npm init's default). tsx would otherwise load it as CommonJS, turning its `import ... from
 * 'twinml'` into `require('twinml')` while twinml (an ES module) is still loading the file: Node refuses that
 * (ERR_REQUIRE_CYCLE_MODULE). `.cts` files and node_modules/ keep their format.
 */
const TS_AS_ESM_HOOK = `export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  const path = r.url.split('?')[0];
  if (r.format === 'commonjs' && path.startsWith('file:') && /\\.tsx?$/.test(path) && !path.includes('/node_modules/')) return { ...r, format: 'module' };
  return r;
}`;

/**
 * When twinml itself runs compiled (from dist/), a user file importing twinml's sources gets dist/ instead
 * (see dist-redirect-hooks.ts): one copy of twinml per process.
 */
function registerDistRedirect(): void {
  if (redirectRegistered) return;
  redirectRegistered = true;
  const root = packageRoot();
  const dist = join(root, 'dist');
  if (!fileURLToPath(import.meta.url).startsWith(dist)) return; // running from source (tests): nothing to redirect
  const folder = (p: string): string => pathToFileURL(p).href + '/';
  register(new URL('./dist-redirect-hooks.js', import.meta.url), { data: { src: folder(join(root, 'src')), dist: folder(dist) } });
}

/** A `file#Export` (TypeScript) or `file.py:Class` (Python) reference split into its parts. */
export interface ModelRef {
  /** Absolute path of the file. */
  file: string;
  /** The exported class (or factory function) name. */
  name: string;
}

/**
 * Splits `./net.ts#Net` (separator '#') or `./net.py:Net` (separator ':').
 * @param text - the reference
 * @param separator - '#' for TypeScript, ':' for Python
 * @param what - the option it came from, for errors
 */
export function parseModelRef(text: string, separator: '#' | ':', what: string): ModelRef {
  const at = text.lastIndexOf(separator);
  if (at <= 0 || at === text.length - 1) {
    const example = separator === '#' ? './net.ts#Net' : './net.py:Net';
    throw new Error(`${what} ${JSON.stringify(text)}: expected FILE${separator}NAME, e.g. ${example}`);
  }
  const file = resolve(text.slice(0, at));
  if (!existsSync(file)) throw new Error(`${what}: ${file} does not exist`);
  return { file, name: text.slice(at + 1) };
}

/** Constructor arguments given as JSON: an array is spread as positional arguments, an object is passed as one options argument. */
export type ModelArgs = unknown[] | Record<string, unknown> | undefined;

/** The arguments a constructor receives for `args` (see ModelArgs). */
export function constructorArgs(args: ModelArgs): unknown[] {
  if (args === undefined) return [];
  return Array.isArray(args) ? args : [args];
}

/**
 * Imports `ref.file` (TypeScript compiled on the fly) and returns its export `ref.name`.
 * @param ref - the file and export
 */
export async function importExport(ref: ModelRef): Promise<unknown> {
  registerDistRedirect();
  await registerTsx();
  const mod = (await import(pathToFileURL(ref.file).href)) as Record<string, unknown>;
  if (!(ref.name in mod)) {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new Error(`${ref.file} has no export ${JSON.stringify(ref.name)}; its exported classes and functions: ${names.join(', ') || 'none'}`);
  }
  return mod[ref.name];
}

/** What a module file must provide: a class (`new Net(...args)`) whose instances look like twinml Modules. */
export interface ModuleLike {
  namedModules(): Array<[string, unknown]>;
  stateDict(): unknown;
}

/**
 * Instantiates the export `ref.name` of `ref.file` with `args` (a class is constructed; a function is called).
 * @param ref - the file and export
 * @param args - constructor arguments (see ModelArgs)
 */
export async function loadTsModel<M extends ModuleLike>(ref: ModelRef, args?: ModelArgs): Promise<M> {
  const exported = await importExport(ref);
  if (typeof exported !== 'function') throw new Error(`${ref.file}#${ref.name} is not a class or function`);
  const ctor = exported as new (...a: unknown[]) => unknown;
  let instance: unknown;
  try {
    instance = new ctor(...constructorArgs(args));
  } catch (e) {
    throw new Error(`${ref.file}#${ref.name}: constructing it failed: ${(e as Error).message}`);
  }
  const m = instance as Partial<ModuleLike> | null;
  if (!m || typeof m.namedModules !== 'function' || typeof m.stateDict !== 'function') {
    throw new Error(`${ref.file}#${ref.name} is not a twinml Module (it has no namedModules()/stateDict())`);
  }
  return instance as M;
}
