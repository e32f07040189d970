/**
 * `npm test`: the fast, hermetic suites (test/ and co-located src/ tests). Without Python the torch-dependent
 * files skip with one line each. Not here: `*.slow.test.ts` (load, soak and timing tests: `npm run test:slow`,
 * vitest.slow.config.ts) and parity-tests/ (`npm run parity`, parity-tests/vitest.config.ts, which also writes
 * the parity report).
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: [...configDefaults.exclude, '**/*.slow.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default on a 2-core machine is 1 worker; many suites wait on Python, servers or child processes,
    // so two files at a time halve the wall time without oversubscribing the cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
