/**
 * Optimizers by name, for the CLI (`twinml train --optimizer`) and config files: `createOptimizer('adamw', params,
 * { lr: 3e-4 })`. Names are torch's class names, case-insensitive (sgd, adam, adamw, adadelta, rmsprop, adagrad).
 */
import type { Parameter } from '../../nn/parameter.js';
import type { Optimizer, OptimizerParams } from './optimizer.js';
import { SGD, SGD_DEFAULTS } from './sgd.js';
import { Adam, AdamW, ADAM_DEFAULTS, ADAMW_DEFAULTS } from './adam.js';
import { Adadelta, ADADELTA_DEFAULTS } from './adadelta.js';
import { RMSprop, RMSPROP_DEFAULTS } from './rmsprop.js';
import { Adagrad, ADAGRAD_DEFAULTS } from './adagrad.js';
import { OPTIMIZER_NAMES, type OptimizerName } from './optimizer-names.js';

interface OptimizerEntry {
  /** torch's class name. */
  className: string;
  /** torch's defaults: the option names this optimizer accepts. */
  defaults: Readonly<object>;
  make(params: OptimizerParams<never>, options: object): Optimizer<{ lr: number }>;
}

const REGISTRY: Record<OptimizerName, OptimizerEntry> = {
  sgd: { className: 'SGD', defaults: SGD_DEFAULTS, make: (p, o) => new SGD(p, o) },
  adam: { className: 'Adam', defaults: ADAM_DEFAULTS, make: (p, o) => new Adam(p, o) },
  adamw: { className: 'AdamW', defaults: ADAMW_DEFAULTS, make: (p, o) => new AdamW(p, o) },
  adadelta: { className: 'Adadelta', defaults: ADADELTA_DEFAULTS, make: (p, o) => new Adadelta(p, o) },
  rmsprop: { className: 'RMSprop', defaults: RMSPROP_DEFAULTS, make: (p, o) => new RMSprop(p, o) },
  adagrad: { className: 'Adagrad', defaults: ADAGRAD_DEFAULTS, make: (p, o) => new Adagrad(p, o) },
};

export { OPTIMIZER_NAMES, type OptimizerName };

function entry(name: string): OptimizerEntry {
  const e = (REGISTRY as Record<string, OptimizerEntry | undefined>)[name.toLowerCase()];
  if (!e) throw new Error(`unknown optimizer '${name}'; valid: ${OPTIMIZER_NAMES.join(', ')}`);
  return e;
}

/**
 * The option names optimizer `name` accepts (camelCase torch arguments, e.g. `weightDecay`), with torch's defaults.
 * @param name - an optimizer name (see OPTIMIZER_NAMES)
 */
export function optimizerDefaults(name: string): Readonly<Record<string, unknown>> {
  return entry(name).defaults as Readonly<Record<string, unknown>>;
}

/**
 * Builds optimizer `name` over `params`.
 * @param name - sgd | adam | adamw | adadelta | rmsprop | adagrad (case-insensitive; torch's class names work)
 * @param params - parameters or parameter groups
 * @param options - the optimizer's options (camelCase torch arguments); an unknown option is an error naming the valid ones
 */
export function createOptimizer(name: string, params: Parameter[] | Array<{ params: Parameter[] } & Record<string, unknown>>, options: Record<string, unknown> = {}): Optimizer<{ lr: number }> {
  const e = entry(name);
  const valid = Object.keys(e.defaults);
  const groups = params.length > 0 && !('variable' in (params[0] as object)) ? (params as Array<Record<string, unknown>>) : [];
  for (const [where, o] of [['options', options], ...groups.map((g, i) => [`parameter group ${i}`, g] as const)] as const) {
    const unknown = Object.keys(o).filter((k) => k !== 'params' && !valid.includes(k));
    if (unknown.length) throw new Error(`${e.className}: unknown option(s) ${unknown.join(', ')} in ${where}; valid: ${valid.join(', ')}`);
  }
  return e.make(params as OptimizerParams<never>, options);
}
