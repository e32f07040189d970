/** ONNX for nn.Embedding: Gather(weight [num_embeddings, embedding_dim], indices, axis 0), weight named by its state_dict key. */
import { Embedding } from '../../nn/embedding.js';
import { registerModuleEmitter } from '../emitter.js';

registerModuleEmitter(Embedding, {
  emit: (ctx) => ctx.node('Gather', [ctx.parameter('weight'), ctx.inputs[0] as string], { axis: 0 }),
});
