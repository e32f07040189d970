"""Drives `twinml serve` with Triton's own Python client (tritonclient[http,grpc]) over HTTP and gRPC.

Usage: triton_client_check.py <http host:port> <grpc host:port> <pixels: little-endian float32, N x 784>
Prints one JSON object: every check's result, so the TypeScript test can assert each one.
Exits 1 with a message when a call raises.
"""
import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient

http_url, grpc_url, pixels_file = sys.argv[1], sys.argv[2], sys.argv[3]
pixels = np.fromfile(pixels_file, dtype="<f4").reshape(-1, 1, 28, 28)  # the mnist-mlp input
out = {}


def infer_http(client, binary):
    inp = httpclient.InferInput("input", list(pixels.shape), "FP32")
    inp.set_data_from_numpy(pixels, binary_data=binary)
    req_out = httpclient.InferRequestedOutput("output", binary_data=binary)
    res = client.infer("mnist-mlp", [inp], outputs=[req_out], request_id="r1")
    return res.as_numpy("output").tolist()


def infer_grpc(client):
    inp = grpcclient.InferInput("input", list(pixels.shape), "FP32")
    inp.set_data_from_numpy(pixels)
    res = client.infer("mnist-mlp", [inp], outputs=[grpcclient.InferRequestedOutput("output")], request_id="r2")
    return res.as_numpy("output").tolist()


for proto, client in (("http", httpclient.InferenceServerClient(http_url)), ("grpc", grpcclient.InferenceServerClient(grpc_url))):
    r = {}
    as_json = {"as_json": True} if proto == "grpc" else {}
    r["live"] = client.is_server_live()
    r["ready"] = client.is_server_ready()
    r["model_ready"] = client.is_model_ready("mnist-mlp")
    r["server_metadata"] = client.get_server_metadata(**as_json)
    r["model_metadata"] = client.get_model_metadata("mnist-cnn", **as_json)
    r["model_config"] = client.get_model_config("mnist-mlp", **as_json)
    if proto == "http":
        r["infer_json"] = infer_http(client, False)
        r["infer_binary"] = infer_http(client, True)
    else:
        r["infer"] = infer_grpc(client)
    r["stats"] = client.get_inference_statistics("mnist-mlp", **as_json)
    r["index"] = client.get_model_repository_index(**as_json)
    client.unload_model("mnist-cnn")
    r["cnn_ready_after_unload"] = client.is_model_ready("mnist-cnn")
    r["index_after_unload"] = client.get_model_repository_index(**as_json)
    client.load_model("mnist-cnn")
    r["cnn_ready_after_load"] = client.is_model_ready("mnist-cnn")
    try:
        client.get_model_config("no-such-model")
        r["unknown_model_error"] = None
    except Exception as e:  # InferenceServerException
        r["unknown_model_error"] = {"message": str(e.message()), "status": str(e.status())}
    out[proto] = r

print(json.dumps(out))
