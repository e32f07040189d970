#!/usr/bin/env node
// The twinml command line. The implementation is compiled TypeScript in dist/ (built by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/launch.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('twinml: dist/ is missing. Run `npm run setup` (or `npm install && npm run build`) in the twinml folder first.');
  process.exit(1);
}
const { launch } = await import(entry.href);
await launch(process.argv.slice(2));
