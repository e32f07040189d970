export { runDataBench, formatDataBench, type DataBenchResult } from './run.js';
