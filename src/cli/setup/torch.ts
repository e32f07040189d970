/**
 * Builds the torch backend's addon from a project that installed twinml: runs the package's
 * scripts/torch-backend/build.sh (the same script as `npm run setup:torch` in a clone) against the chosen Python's
 * torch wheel, writing native/torch-backend/build/twinml_torch.node inside the installed package, where
 * `--backend torch` loads it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findPython } from '../../bridge/find-python.js';
import { packageRoot } from '../../util/paths.js';

/** Options of `twinml setup torch`. */
export interface SetupTorchOptions {
  /** The interpreter whose torch to build against (default: the first Python that imports torch). */
  python?: string;
  /** Rebuild even when the existing addon matches. */
  force?: boolean;
}

/**
 * Builds the addon; returns the process exit code (0 when the addon is built or already current).
 * @param options - the interpreter and whether to force a rebuild
 */
export function setupTorch(options: SetupTorchOptions = {}): number {
  const script = join(packageRoot(), 'scripts', 'torch-backend', 'build.sh');
  if (!existsSync(script)) {
    console.error(`twinml setup torch: ${script} is missing from this install of twinml (reinstall the package)`);
    return 1;
  }
  let python = options.python;
  if (!python) {
    const found = findPython();
    const chosen = found.chosen?.modules.torch != null ? found.chosen : undefined;
    if (!chosen) {
      console.error(`twinml setup torch: no Python that imports torch was found (tried ${found.probes.map((p) => p.candidate).join(', ')}).`);
      console.error('  fix: pass --python /path/to/python of an environment with torch from PyPI (pip install torch), or set TWINML_PYTHON');
      return 1;
    }
    python = chosen.executable ?? chosen.candidate;
    console.log(`twinml setup torch: building against ${python} (torch ${chosen.modules.torch})`);
  }
  const run = spawnSync('bash', [script, '--python', python, ...(options.force ? ['--force'] : [])], { stdio: 'inherit' });
  if (run.error) {
    console.error(`twinml setup torch: cannot run bash: ${run.error.message}`);
    return 1;
  }
  return run.status ?? 1;
}
