/**
 * Mirrors torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda): lr = base_lr * lr_lambda(epoch), one function
 * for all groups or one per group. Like PyTorch's state_dict, stateDict() does not contain the functions.
 */
import { LRScheduler, type ScheduledOptimizer } from './lr-scheduler.js';

/** A multiplicative factor as a function of the epoch. */
export type LrLambda = (epoch: number) => number;

/** LambdaLR's arguments (camelCase). */
export interface LambdaLROptions {
  /** One function, or one per parameter group. */
  lrLambda: LrLambda | LrLambda[];
}

/** torch.optim.lr_scheduler.LambdaLR. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  /**
   * @param optimizer - the optimizer
   * @param options - lrLambda (required)
   */
  constructor(optimizer: ScheduledOptimizer, options: LambdaLROptions) {
    super(optimizer);
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(options.lrLambda)) {
      if (options.lrLambda.length !== groups) throw new Error(`LambdaLR: expected ${groups} lr_lambdas, but got ${options.lrLambda.length}`);
      this.lrLambdas = [...options.lrLambda];
    } else {
      if (typeof options.lrLambda !== 'function') throw new Error('LambdaLR: lrLambda must be a function or a list of functions');
      this.lrLambdas = new Array<LrLambda>(groups).fill(options.lrLambda);
    }
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}
