"""The Python half of parity-tests/onnx: checks a twinml ONNX file with onnx.checker (full_check), runs it in
onnxruntime (Python), runs the PyTorch original on the same weights in float32 and float64, and exports the
original with torch.onnx.export (opset 17, dynamic batch) for the TypeScript side to run in onnxruntime-node.

Usage: python onnx_parity.py jobs.json (one process for the whole suite). Tensors cross as safetensors files
(raw bytes), never as JSON numbers.
jobs.json: {python_paths, jobs: [{onnx, inputs, state, outputs, torch_onnx, module, class, kwargs, torch_export}]}
"""
import copy
import importlib
import json
import sys
import warnings


def run_job(job: dict) -> None:
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from safetensors.torch import load_file, save_file

    model_proto = onnx.load(job["onnx"])
    onnx.checker.check_model(model_proto, full_check=True)

    inputs = load_file(job["inputs"])
    session = ort.InferenceSession(job["onnx"], providers=["CPUExecutionProvider"])

    module = importlib.import_module(job["module"])
    net32 = getattr(module, job["class"])(**job.get("kwargs", {}))
    net32.load_state_dict(load_file(job["state"]), strict=True)
    net32.eval()
    net64 = copy.deepcopy(net32).double()

    outputs = {}
    for key, x in inputs.items():
        outputs[f"ort_python.{key}"] = torch.from_numpy(np.ascontiguousarray(session.run(["output"], {"input": x.numpy()})[0]))
        with torch.no_grad():
            outputs[f"torch32.{key}"] = net32(x.float()).contiguous()
            outputs[f"torch64.{key}"] = net64(x.double()).contiguous()

    save_file(outputs, job["outputs"])
    if not job.get("torch_export", True):
        return
    example = next(iter(inputs.values())).float()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net32,
            (example,),
            job["torch_onnx"],
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    onnx.checker.check_model(onnx.load(job["torch_onnx"]), full_check=True)


def main(jobs_path: str) -> None:
    with open(jobs_path) as f:
        spec = json.load(f)
    sys.path[:0] = spec.get("python_paths", [])
    for job in spec["jobs"]:
        try:
            run_job(job)
        except Exception as e:  # name the model, then fail
            raise RuntimeError(f"{job['module']}.{job['class']}: {e}") from e
    import onnx
    import onnxruntime
    import torch

    print(json.dumps({"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "torch": torch.__version__}))


if __name__ == "__main__":
    main(sys.argv[1])
