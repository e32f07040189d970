/**
 * The exact tfjs versions twinml is built against. src/backend reads private fields of these packages (the wasm
 * backend's module and heap, the cpu backend's data map, tfjs-node's binding), so a different version is refused
 * at start-up with both versions named, instead of failing later in an obscure way. package.json pins the three
 * dependencies exactly; tfjs-node is installed by scripts/tensorflow-backend/build.sh (TFJS_NODE_VERSION).
 */
import { createRequire } from 'node:module';

/** Package -> the exact version whose internals src/backend reads. */
export const PINNED_TFJS_VERSIONS = {
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-backend-wasm': '4.22.0',
  '@tensorflow/tfjs-backend-cpu': '4.22.0',
  '@tensorflow/tfjs-node': '4.22.0',
  '@tensorflow/tfjs-node-gpu': '4.22.0',
} as const;

export type PinnedPackage = keyof typeof PINNED_TFJS_VERSIONS;

const require = createRequire(import.meta.url);

/**
 * The installed version of a package, or undefined when it is not installed.
 * @param name - The package name.
 */
export function installedVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * A sentence naming the mismatch between the installed and the expected version of `name`, or undefined when they
 * agree (or the package is not installed: that is reported where it is needed).
 * @param name - A pinned package.
 * @param installed - The installed version (default: read from node_modules).
 */
export function versionMismatch(name: PinnedPackage, installed: string | undefined = installedVersion(name)): string | undefined {
  const expected = PINNED_TFJS_VERSIONS[name];
  if (installed === undefined || installed === expected) return undefined;
  return `${name} ${installed} is installed but twinml needs exactly ${expected} (it reads that package's internals)`;
}

/** A tfjs package at a version other than the pinned one; `fix` is the command that installs the right one. */
export class PinnedVersionError extends Error {
  /**
   * @param message - What is installed and what is needed.
   * @param fix - The install command.
   */
  constructor(message: string, readonly fix: string) {
    super(message);
    this.name = 'PinnedVersionError';
  }
}

/**
 * Throws when tfjs-core or the given backend package is not the pinned version.
 * @param backendPackage - The backend package about to load.
 */
export function assertPinnedVersions(backendPackage: PinnedPackage): void {
  const wrong = (['@tensorflow/tfjs-core', backendPackage] as const).filter((name) => versionMismatch(name) !== undefined);
  if (wrong.length) {
    throw new PinnedVersionError(wrong.map((name) => versionMismatch(name)).join('; '), `npm install ${wrong.map((name) => `${name}@${PINNED_TFJS_VERSIONS[name]}`).join(' ')}`);
  }
}
