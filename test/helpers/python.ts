/**
 * The reference Python for tests that compare with PyTorch directly. Without one, such a test file skips with one
 * line naming it (or fails when the requirePython setting / TWINML_REQUIRE_PYTHON=1 asks for PyTorch, as CI does).
 */
import { findPython } from '../../src/bridge/find-python.js';
import { settings } from '../../src/util/settings.js';

let cached: { executable?: string; advice?: string } | undefined;

/**
 * The interpreter with torch, or undefined after printing `<what>: skipped, ...` once.
 * @param what - The test file and what it checks, for the skip line.
 */
export function referencePython(what: string): string | undefined {
  if (!cached) {
    const found = findPython();
    cached = found.chosen ? { executable: found.chosen.executable ?? found.chosen.candidate } : { advice: found.advice };
  }
  if (cached.executable) return cached.executable;
  if (settings().requirePython) throw new Error(`${what}: needs Python with torch and requirePython is set (TWINML_REQUIRE_PYTHON=1): ${cached.advice}`);
  console.warn(`${what}: skipped, no Python with torch (npm run setup, or set TWINML_PYTHON)`);
  return undefined;
}
