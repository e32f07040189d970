/**
 * twinml/port: the TypeScript mirror of a PyTorch model, written from the model itself (module tree, constructor
 * arguments, torch.fx trace of forward) and proven by the pair parity check. The CLI is `twinml port`.
 * @module twinml/port
 */
export { port, type PortOptions, type PortResult } from './port.js';
export { generateModule, type GeneratedModule, type GenerateOptions } from './generate.js';
export { formatGap, whereLabel, type PortGap } from './gaps.js';
export type { ModelDescription, ClassDescription, ClassInstance, FxNode, FxArg, ChildDescription, SourceFrame } from './description.js';
