// Runs the benchmark from the built package (npm run build first): node bench/run.mjs [section ...]
// `twinml bench` calls the same runBench from dist/bench/index.js.
import { runBench } from '../dist/bench/index.js';

const sections = process.argv.slice(2);
await runBench(sections.length ? { sections } : {});
