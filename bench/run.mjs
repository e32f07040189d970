// Runs the benchmark from the built package (npm run build first): node bench/run.mjs [section ...]
// `twinml bench` calls the same runBench from dist/bench/index.js. The section name `inference` selects the
// inference benchmark (dist/bench/inference: onnxruntime-node vs PyTorch eager, server batching, HTTP overhead,
// load test), which also runs when no section is named; `data` the data loader benchmark (dist/bench/data).
import { runBench } from '../dist/bench/index.js';
import { runInferenceBench } from '../dist/bench/inference/index.js';
import { formatDataBench, runDataBench } from '../dist/bench/data/index.js';

const sections = process.argv.slice(2);
const zoo = sections.filter((s) => s !== 'inference' && s !== 'data');
if (sections.length === 0 || zoo.length > 0) await runBench(zoo.length ? { sections: zoo } : {});
if (sections.length === 0 || sections.includes('inference')) await runInferenceBench();
if (sections.length === 0 || sections.includes('data')) {
  console.log('data loader (images/s read, decoded, transformed and batched; no PyTorch ratio: no torchvision in the venv):');
  for (const line of formatDataBench(await runDataBench())) console.log(`  ${line}`);
}
