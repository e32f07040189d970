/** `twinml parity` / `npm run parity`: only the parity suites, with the report written at the end. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['parity-tests/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['parity-tests/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    // Files share their worker process in turn, and with it the worker's Python bridge (PythonBridge.start()
    // returns the running one; every suite sets its backend in beforeAll): torch is imported once per worker,
    // not once per file.
    isolate: false,
    reporters: ['default'],
  },
});
