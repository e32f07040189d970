/**
 * A minimal onnxruntime-node session over ONNX bytes or a file, used by the exporter's validation (through
 * src/cli) and by tests. No tfjs here. Superseded by the inference library's `loadModel` once that lands.
 */
import * as ort from 'onnxruntime-node';

/** One float32 tensor crossing into or out of a session. */
export interface FloatTensorData {
  data: Float32Array;
  dims: number[];
}

export interface OnnxSessionHandle {
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Runs the session on float32 feeds; returns every output by name. */
  run(feeds: Record<string, FloatTensorData>): Promise<Record<string, FloatTensorData>>;
  close(): Promise<void>;
}

/**
 * Opens an onnxruntime-node CPU session.
 * @param model - ONNX bytes or a path to a .onnx file
 */
export async function openOnnxSession(model: Uint8Array | string): Promise<OnnxSessionHandle> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
      const result = await session.run(ortFeeds);
      const out: Record<string, FloatTensorData> = {};
      for (const [name, t] of Object.entries(result)) {
        if (t.type !== 'float32') throw new Error(`onnx session: output '${name}' is ${t.type}, expected float32`);
        out[name] = { data: t.data as Float32Array, dims: [...t.dims] };
      }
      return out;
    },
    close: () => session.release(),
  };
}
