export { PythonBridge, type PythonBridgeOptions, type CallOptions, type CallResult, type PythonVersions, type PythonInfo } from './python-bridge.js';
export { TensorExchange, toStateDict, type TensorMap } from './tensor-files.js';
export { findPython, probePython, type PythonDiscovery, type PythonProbe } from './find-python.js';
export { loadTorchWeights, readTorchStateDict, stateDictProblems, type LoadTorchWeightsOptions, type StateDictTarget } from './torch-weights.js';
