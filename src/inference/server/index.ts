/** The Open Inference Protocol v2 server (imported by `twinml serve`; not loaded by `twinml/inference` users who only predict). */
export { startServer, type RunningServer, type ServeOptions } from './app.js';
export type { BatchingOptions } from './batcher.js';
