/** torch.nn.utils: gradient clipping. */
export { clip_grad_norm_, clip_grad_value_, type ParametersInput } from './clip-grad.js';
