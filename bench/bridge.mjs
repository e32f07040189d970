#!/usr/bin/env node
// The bridge benchmark, runnable on its own (`node bench/bridge.mjs [--json]`) until a bench runner calls
// benchBridge() from dist/bridge/bench.js. Needs `npm run build` and Python with torch.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/bridge/bench.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('bench/bridge.mjs: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}
const { benchBridge, formatBridgeBench } = await import(entry.href);
const result = await benchBridge();
console.log(process.argv.includes('--json') ? JSON.stringify(result, null, 1) : formatBridgeBench(result));
