/** Registers the ONNX emitter of every src/nn module class (import for the side effect). */
import './linear.js';
import './activation.js';
import './shape.js';
import './conv.js';
import './pooling.js';
import './batchnorm.js';
import './activation-extra.js';
import './embedding.js';
import './normalization.js';
