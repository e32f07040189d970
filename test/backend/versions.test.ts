/** Exact tfjs versions: package.json pins what src/backend/versions.ts expects, and a mismatch is named clearly. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertPinnedVersions, PINNED_TFJS_VERSIONS, versionMismatch } from '../../src/backend/versions.js';

const root = resolve(import.meta.dirname, '..', '..');

describe('pinned tfjs versions', () => {
  it('package.json pins tfjs-core, -backend-wasm and -backend-cpu exactly (no range) to the versions the backend reads', () => {
    const deps = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'] as const) {
      expect(deps[name], name).toBe(PINNED_TFJS_VERSIONS[name]);
    }
  });

  it('setup:tensorflow installs the tfjs-node version the backend expects', () => {
    const wheel = readFileSync(join(root, 'scripts', 'tensorflow-backend', 'wheel.sh'), 'utf8');
    expect(/^TFJS_NODE_VERSION=(\S+)/m.exec(wheel)?.[1]).toBe(PINNED_TFJS_VERSIONS['@tensorflow/tfjs-node']);
  });

  it('names the package, both versions and the fix on a mismatch; passes on the installed packages', () => {
    expect(versionMismatch('@tensorflow/tfjs-backend-wasm', '4.23.1')).toBe(
      "@tensorflow/tfjs-backend-wasm 4.23.1 is installed but twinml needs exactly 4.22.0 (it reads that package's internals)",
    );
    expect(versionMismatch('@tensorflow/tfjs-core', '4.22.0')).toBeUndefined();
    expect(versionMismatch('@tensorflow/tfjs-node', undefined)).toBeUndefined();
    expect(() => assertPinnedVersions('@tensorflow/tfjs-backend-wasm')).not.toThrow();
  });
});
