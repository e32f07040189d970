/**
 * twinml/parity: the float64 parity policy (docs/architecture.md decisions 7, 8, 16, 19), the report, and parity for any
 * pair of models (a user's TS module against its PyTorch original).
 */
export { EPS32, DEFAULT_C, DEFAULT_CEILING, compareTensor, compareExact, type ToleranceOptions, type RowContext } from './tolerance.js';
export {
  buildReport,
  formatReport,
  writeReport,
  readCollected,
  type ParityReport,
  type ParityRow,
  type Localisation,
  type CollectedRecord,
  type DiffAt,
  type ErrorPair,
} from './report.js';
export { PARITY_SEED, randn, randint } from './random.js';
export { reference, pick, type ReferenceResult } from './reference.js';
export { checkParity, type CheckParityOptions, type ParityResult } from './pair/check-parity.js';
export { parseInputSpec, type InputSpec } from './pair/input-spec.js';
export { loadTsModel, parseModelRef, importExport, type ModelRef, type ModelArgs } from './pair/load-ts-model.js';
export { parityMatchers, type ParityMatchers } from './matchers.js';
export { loadTorchWeights, readTorchStateDict, stateDictProblems, type LoadTorchWeightsOptions, type StateDictTarget } from '../bridge/torch-weights.js';
