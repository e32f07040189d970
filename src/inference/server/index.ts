/** The KServe v2 / Triton server, HTTP and gRPC (imported by `twinml serve`; not loaded by `twinml/inference` users who only predict). */
export { startServer, type RunningServer, type ServeOptions } from './app.js';
export type { BatchingOptions } from './batcher.js';
export type { ModelControlMode, IndexEntry } from './repository.js';
