#!/usr/bin/env node
// `train …` is the same as `twinml train …`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('train: dist/ is missing. Run `npm run setup` (or `npm install && npm run build`) in the twinml folder first.');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(['train', ...process.argv.slice(2)]);
