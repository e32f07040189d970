/** The optimizer and scheduler parity cases (the mutation suite finds its checks here). */
export { OPTIM_CASES, OPTIMIZER_STEPS, runOptimCase, type OptimCase } from './optimizer-cases.js';
export { SCHEDULER_CASES, runSchedulerCase, type SchedulerCase } from './scheduler-cases.js';
