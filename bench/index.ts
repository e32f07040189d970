export { runBench, formatBenchTable, type BenchOptions, type BenchResults, type BenchRow, type BenchTarget } from './run.js';
export { registerBenchSection, benchSections, measureSteps, type BenchSection, type MeasureOptions, type Throughput, type TorchSpec } from './section.js';
export { registerZooSections, measureZooModel } from './zoo-sections.js';
