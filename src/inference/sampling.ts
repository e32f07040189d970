/**
 * Next-token sampling for text generation (seeded, temperature, top-k), shared by the TS model's `twinml generate`
 * and the ONNX generation: see src/util/sampling.ts. Plain TypeScript, no tfjs and no onnxruntime.
 */
export { SamplingRng, argmax, sampleNextToken, type SamplingOptions } from '../util/sampling.js';
