/**
 * Loads a user's model class from a TypeScript (or JavaScript) file without a build step, through tsx's
 * `tsImport` API (esbuild under the hood): `./net.ts#Net` names the file and the exported class.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(pathToFileURL(ref.file).href, import.meta.url)) as Record<string, unknown>;
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
