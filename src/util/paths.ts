import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The twinml package root (the folder holding its package.json), from src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'twinml.js'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('twinml: cannot find the package root above ' + fileURLToPath(import.meta.url));
}
