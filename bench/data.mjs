// The data loader benchmark, standalone (npm run build first): node --expose-gc bench/data.mjs [--quick]
// Section logic: bench/data/run.ts (compiled by npm run build:bench). Prints one line per case, then the JSON.
import { formatDataBench, runDataBench } from './data/index.js';

const results = await runDataBench({ quick: process.argv.includes('--quick') });
for (const line of formatDataBench(results)) console.log(line);
console.log(JSON.stringify(results));
