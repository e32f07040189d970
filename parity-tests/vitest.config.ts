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
    reporters: ['default'],
  },
});
