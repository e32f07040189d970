/**
 * The worked example's parity test: examples/mnist-net/net.ts against pytorch/examples' net.py under the
 * float64 policy (weights both ways, every submodule, gradients, a short Adam trajectory), through the same
 * library call `twinml parity --ts … --torch …` makes.
 */
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { checkParity, parityMatchers } from '../../src/parity/index.js';
import { describeParity } from '../../parity-tests/support/session.js';
import { EXAMPLE_DIR } from '../../parity-tests/pair/mutants.js';

expect.extend(parityMatchers);
declare module 'vitest' {
  interface Assertion {
    toPassParity(): void;
  }
}

describeParity('examples/mnist-net: net.ts mirrors net.py', (session) => {
  it('passes the pair check: every submodule, output, loss, gradient and 3 AdamW steps', async () => {
    const result = await checkParity({
      ts: join(EXAMPLE_DIR, 'net.ts#Net'),
      torch: join(EXAMPLE_DIR, 'net.py:Net'),
      input: '2x1x28x28',
      loss: 'nll',
      steps: 3,
      optimizer: 'adamw',
      lr: 1e-3,
      bridge: session.py,
    });
    expect(result).toPassParity();
    const names = result.report.rows.map((r) => r.name);
    for (const m of ['conv1', 'conv2', 'dropout1', 'fc1', 'dropout2', 'fc2']) expect(names).toContain(`module/${m}`);
    for (const p of ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']) {
      expect(names).toContain(`grad/${p}`);
      expect(names).toContain(`weights/torch->ts/${p}`);
      for (const s of [1, 2, 3]) expect(names).toContain(`step ${s}/${p}`);
    }
    expect(names).toContain('dropout/dropout1');
    expect(names).toContain('loss (nll)');
    expect(result.firstDivergingModule).toBeNull();
  }, 900_000);
});
