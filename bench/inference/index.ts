export { runInferenceBench, formatInferenceBench, type InferenceBenchOptions, type InferenceBenchResults } from './run.js';
export { runLoad, quantile, type LoadOptions, type LoadResult } from './http-load.js';
export { runLoadTest, mlpBodies, LOAD_TEST_NODE_FLAGS, type LoadTestResult } from './load-test.js';
export { startServerProcess, type ServerProcess } from './server-process.js';
export { measureBatchingThroughput, sampleRequest, type Protocol, type ThroughputRow } from './throughput.js';
export { measureHttpOverhead, type HttpOverhead } from './http-overhead.js';
export { startHttpFloor, type HttpFloorServer } from './http-floor.js';
export { measureAgainstKserve, formatKserve, kserveVersion, type KserveComparison, type KserveRow } from './kserve.js';
