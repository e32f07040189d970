/**
 * Builds twinml optimizers and schedulers from the torch keyword arguments a case gives Python, by the same
 * names (snake_case -> camelCase: weight_decay -> weightDecay, T_max -> tMax), so one case description drives
 * both sides and a misnamed TS option shows up as a parity failure.
 */
import type { Parameter } from '../../src/nn/parameter.js';
import { createOptimizer, type Optimizer } from '../../src/train/optim/index.js';
import * as sched from '../../src/train/lr-scheduler/index.js';

/** snake_case (or T_max) -> camelCase. */
export function camel(key: string): string {
  const c = key.replace(/_([a-zA-Z])/g, (_, ch: string) => ch.toUpperCase());
  return c.charAt(0).toLowerCase() + c.slice(1);
}

/** camelCase -> snake_case, with torch's T_max. */
export function snake(key: string): string {
  if (key === 'tMax') return 'T_max';
  return key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}

/** Torch kwargs with camelCase keys. */
export function camelKeys(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [camel(k), v]));
}

/** A parameter group as the cases write it: parameter names and torch kwargs. */
export interface GroupSpec {
  names: string[];
  options?: Record<string, unknown>;
}

/**
 * @param kind - torch's class name
 * @param params - the parameters by name
 * @param options - torch kwargs (the defaults)
 * @param groups - parameter groups, or undefined for all parameters in one list
 */
export function makeOptimizer(kind: string, params: Map<string, Parameter>, options: Record<string, unknown>, groups?: GroupSpec[]): Optimizer<{ lr: number }> {
  const list = groups
    ? groups.map((g) => ({ params: g.names.map((n) => params.get(n)!), ...camelKeys(g.options ?? {}) }))
    : [...params.values()];
  return createOptimizer(kind, list, camelKeys(options));
}

/** A scheduler as the cases write it (the same JSON goes to Python). */
export interface SchedulerSpec {
  kind: string;
  kwargs: Record<string, unknown>;
}

type LambdaSpec = { type: 'pow'; base: number } | { type: 'warmup'; steps: number };

function lrLambda(spec: LambdaSpec): (epoch: number) => number {
  if (spec.type === 'pow') return (epoch) => spec.base ** epoch;
  return (epoch) => Math.min(1.0, (epoch + 1) / spec.steps);
}

/**
 * @param opt - the optimizer
 * @param spec - torch's class name and kwargs
 */
export function makeScheduler(opt: Optimizer<{ lr: number }>, spec: SchedulerSpec): sched.LRScheduler {
  const o = camelKeys(spec.kwargs);
  switch (spec.kind) {
    case 'StepLR':
      return new sched.StepLR(opt, o as unknown as sched.StepLROptions);
    case 'MultiStepLR':
      return new sched.MultiStepLR(opt, o as unknown as sched.MultiStepLROptions);
    case 'ExponentialLR':
      return new sched.ExponentialLR(opt, o as unknown as sched.ExponentialLROptions);
    case 'CosineAnnealingLR':
      return new sched.CosineAnnealingLR(opt, o as unknown as sched.CosineAnnealingLROptions);
    case 'LinearLR':
      return new sched.LinearLR(opt, o as unknown as sched.LinearLROptions);
    case 'LambdaLR': {
      const f = o['lrLambda'] as LambdaSpec | LambdaSpec[];
      return new sched.LambdaLR(opt, { lrLambda: Array.isArray(f) ? f.map(lrLambda) : lrLambda(f) });
    }
    case 'SequentialLR':
      return new sched.SequentialLR(opt, {
        schedulers: (o['schedulers'] as SchedulerSpec[]).map((s) => makeScheduler(opt, s)),
        milestones: o['milestones'] as number[],
      });
    case 'OneCycleLR':
      return new sched.OneCycleLR(opt, o as unknown as sched.OneCycleLROptions);
    default:
      throw new Error(`unknown scheduler ${spec.kind}`);
  }
}
