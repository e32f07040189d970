/** Registers the ONNX emitter of every src/nn module class (import for the side effect). */
import './linear.js';
import './activation.js';
import './shape.js';
