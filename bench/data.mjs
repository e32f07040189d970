// The data loader benchmark, standalone (npm run build first): node --expose-gc bench/data.mjs [--quick]
// Section logic: src/bench/data/run.ts (dist/bench/data/index.js). Prints one line per case, then the JSON.
import { formatDataBench, runDataBench } from '../dist/bench/data/index.js';

const results = await runDataBench({ quick: process.argv.includes('--quick') });
for (const line of formatDataBench(results)) console.log(line);
console.log(JSON.stringify(results));
