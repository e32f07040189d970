#!/usr/bin/env node
// The bridge benchmark, runnable on its own (`node bench/bridge.mjs [--json]`) until a bench runner calls
// benchBridge() from bench/bridge.js. Needs `npm run build:bench` and Python with torch.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('./bridge.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('bench/bridge.mjs: bench/bridge.js is missing; run `npm run build:bench` first.');
  process.exit(1);
}
const { benchBridge, formatBridgeBench } = await import(entry.href);
const result = await benchBridge();
console.log(process.argv.includes('--json') ? JSON.stringify(result, null, 1) : formatBridgeBench(result));
