/**
 * Registers tfjs's gradient functions. tfjs-core's Node bundle ships none, so the build bundles
 * `@tensorflow/tfjs-core/dist/register_all_gradients.js` into dist/vendor/tfjs-gradients.cjs (scripts/build.mjs).
 * tfjs keeps its kernel and gradient registries in globals, so the bundled copy registers into this engine.
 * Importing this module is enough; it is idempotent. Relu's gradient is then replaced by one kernel
 * (relu-backward.ts), and Softmax's by the fused kernel of sequence-kernels.ts (also registered here).
 */
import '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { registerReluGradient } from './relu-backward.js';
import { registerSequenceKernels } from './sequence-kernels.js';

const bundle = join(packageRoot(), 'dist', 'vendor', 'tfjs-gradients.cjs');
if (!existsSync(bundle)) {
  throw new Error(`twinml: ${bundle} is missing (the tfjs gradient functions). Run \`npm run build\` in ${packageRoot()}.`);
}
createRequire(import.meta.url)(bundle);
registerTwinmlGradients();

/**
 * (Re-)registers the gradients twinml replaces (Relu, Softmax) and the fused sequence kernels. Importing
 * @tensorflow/tfjs-node registers tfjs's own gradients again (it bundles @tensorflow/tfjs), so src/backend/index.ts
 * calls this again after loading it.
 */
export function registerTwinmlGradients(): void {
  registerReluGradient();
  registerSequenceKernels();
}
