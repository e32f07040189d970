/**
 * Node module hooks (registered by load-ts-model.ts when twinml runs from its compiled dist/): a user file that
 * imports twinml's own sources (`../../src/nn/index.js`, as this repository's examples do) gets the compiled
 * dist/ modules instead, so the model and the CLI share one copy of twinml (one module registry for the ONNX
 * exporter, one default generator, one tfjs engine).
 */
interface HookData {
  /** file:// URL of the package's src/ folder, with a trailing slash. */
  src: string;
  /** file:// URL of the package's dist/ folder, with a trailing slash. */
  dist: string;
}

let data: HookData | null = null;

/** Receives the folders from register(). */
export function initialize(d: HookData): void {
  data = d;
}

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string; format?: string | null; shortCircuit?: boolean }>;

/** Maps `<root>/src/x.ts|js` to `<root>/dist/x.js`. */
export async function resolve(specifier: string, context: { parentURL?: string }, nextResolve: NextResolve): Promise<{ url: string; format?: string | null; shortCircuit?: boolean }> {
  if (data && context.parentURL && !context.parentURL.startsWith(data.src) && (specifier.startsWith('.') || specifier.startsWith('file:'))) {
    const target = new URL(specifier, context.parentURL).href.split('?')[0]!;
    if (target.startsWith(data.src) && /\.(ts|js)$/.test(target)) {
      return { url: data.dist + target.slice(data.src.length).replace(/\.ts$/, '.js'), format: 'module', shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}
