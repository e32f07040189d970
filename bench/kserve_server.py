"""KServe's Python ModelServer serving one ONNX model with onnxruntime: the baseline of the inference bench.

Usage: kserve_server.py --model_dir <dir with model.onnx> --model_name NAME --http_port P --grpc_port Q --threads N
Runs in its own venv (~/.cache/twinml/kserve-venv, installed by scripts/install-test-tools.sh) because kserve's
dependencies must not touch the project's Python. Speaks the Open Inference Protocol v2 over HTTP and gRPC.
"""
import argparse
import os

import kserve
import numpy as np
import onnxruntime as ort
from kserve import InferOutput, InferRequest, InferResponse


class OnnxModel(kserve.Model):
    def __init__(self, name, model_dir, threads):
        super().__init__(name)
        self.model_dir = model_dir
        self.threads = threads
        self.session = None
        self.load()

    def load(self):
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(os.path.join(self.model_dir, "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        self.ready = True
        return self.ready

    def predict(self, payload: InferRequest, headers=None, response_headers=None):
        x = payload.inputs[0].as_numpy().astype(np.float32, copy=False)
        (y,) = self.session.run([self.output_name], {self.input_name: x})
        binary = bool(payload.from_grpc) or bool(payload.use_binary_outputs)
        out = InferOutput(name=self.output_name, shape=list(y.shape), datatype="FP32")
        out.set_data_from_numpy(y, binary_data=binary)
        return InferResponse(model_name=self.name, infer_outputs=[out], response_id=payload.id or "", use_binary_outputs=binary)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model_dir", required=True)
    parser.add_argument("--model_name", required=True)
    parser.add_argument("--http_port", type=int, required=True)
    parser.add_argument("--grpc_port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    model = OnnxModel(args.model_name, args.model_dir, args.threads)
    kserve.ModelServer(http_port=args.http_port, grpc_port=args.grpc_port, workers=1).start([model])
