/** ONNX export: module tree -> ONNX bytes, plus the pieces tools and tests use. */
export { exportOnnx, type ExportOptions, type DynamicAxes, type OnnxInputDtype, SUPPORTED_OPSETS, ONNX_IR_VERSION, BATCH_DIM } from './export.js';
export { OnnxExportError } from './errors.js';
export { flattenOutputs, resolveOutputNames, type FlatOutput } from './outputs.js';
export { registerModuleEmitter, type ModuleEmitter, type ModuleEmitContext } from './emitter.js';
export { decodeModelProto } from './proto.js';
export {
  exportCausalLM,
  exportDecoderWithPast,
  KV_CACHE_NAMES,
  type CachedCausalLM,
  type LayerKV,
  type CausalLMExportOptions,
  type DecoderWithPastExportOptions,
} from './kv-cache.js';
