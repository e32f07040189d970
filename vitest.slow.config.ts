/** `npm run test:slow`: the load, soak and timing tests (`*.slow.test.ts`), kept out of `npm test`. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts', 'src/**/*.slow.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Timing assertions measure one suite at a time, not two competing for the cores.
    fileParallelism: false,
    reporters: ['default'],
  },
});
