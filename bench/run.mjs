// Runs the benchmark from the built package (npm run build first): node bench/run.mjs [section ...]
// `twinml bench` calls the same runBench from dist/bench/index.js. The section name `inference` selects the
// inference benchmark (dist/bench/inference: onnxruntime-node vs PyTorch eager, server batching, HTTP overhead,
// load test), which also runs when no section is named.
import { runBench } from '../dist/bench/index.js';
import { runInferenceBench } from '../dist/bench/inference/index.js';

const sections = process.argv.slice(2);
const zoo = sections.filter((s) => s !== 'inference');
if (sections.length === 0 || zoo.length > 0) await runBench(zoo.length ? { sections: zoo } : {});
if (sections.length === 0 || sections.includes('inference')) await runInferenceBench();
