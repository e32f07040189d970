#!/usr/bin/env bash
# Installs what the tests drive besides npm packages:
# - Debian packages for the training-UX tests and the inference bench: chromium (report.html in a headless browser,
#   test/train/report.test.ts and scripts/report-screenshot.sh) and tmux (the dashboard under a pseudo-terminal,
#   test/cli/train-dashboard.test.ts). Needs root (CI and the dev machines run as root). No browser download from npm.
# - Triton's Python client, tritonclient[http,grpc] from PyPI, into its own venv ~/.cache/twinml/triton-client-venv
#   (test/inference/triton-client.test.ts drives `twinml serve` with it). Test set-up only: the product never
#   installs or imports it.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v tmux >/dev/null || missing+=(tmux)
# h2load (nghttp2's HTTP/2 load generator): the inference bench's gRPC load against twinml and KServe.
command -v h2load >/dev/null || missing+=(nghttp2-client)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "installed: ${missing[*]}"
fi

TRITON_VENV="${HOME}/.cache/twinml/triton-client-venv"
if ! "${TRITON_VENV}/bin/python" -c 'import tritonclient.http, tritonclient.grpc, numpy' 2>/dev/null; then
  PYTHON="$(command -v python3 || command -v python)"
  mkdir -p "$(dirname "${TRITON_VENV}")"
  "${PYTHON}" -m venv "${TRITON_VENV}"
  "${TRITON_VENV}/bin/pip" install -q --upgrade pip
  "${TRITON_VENV}/bin/pip" install -q 'tritonclient[http,grpc]>=2.40' numpy
  echo "installed: tritonclient[http,grpc] in ${TRITON_VENV}"
fi

# The inference bench's baselines (bench/inference.mjs, src/bench/inference/kserve.ts), each kept out of the
# project's own Python and node_modules:
# - KServe's Python ModelServer (kserve from PyPI, with onnxruntime) in ~/.cache/twinml/kserve-venv;
# - h2load (Debian nghttp2-client, above) drives the gRPC rows; ghz, a gRPC load generator in Go (through the Go
#   module proxy, when Go is installed) in ~/.cache/twinml/bin, is the fallback without it.
# Without them the bench skips the KServe comparison (or drives gRPC with a slower client).
KSERVE_VENV="${HOME}/.cache/twinml/kserve-venv"
if ! "${KSERVE_VENV}/bin/python" -c 'import kserve, onnxruntime, numpy' 2>/dev/null; then
  PYTHON="$(command -v python3 || command -v python)"
  "${PYTHON}" -m venv "${KSERVE_VENV}"
  "${KSERVE_VENV}/bin/pip" install -q --upgrade pip
  "${KSERVE_VENV}/bin/pip" install -q 'kserve>=0.14' onnxruntime numpy
  echo "installed: kserve in ${KSERVE_VENV}"
fi
GO="$(command -v go || { [ -x /usr/local/go/bin/go ] && echo /usr/local/go/bin/go; } || true)"
if [ ! -x "${HOME}/.cache/twinml/bin/ghz" ] && [ -n "${GO}" ]; then
  mkdir -p "${HOME}/.cache/twinml/bin"
  GOBIN="${HOME}/.cache/twinml/bin" "${GO}" install github.com/bojand/ghz/cmd/ghz@v0.120.0
  echo "installed: ghz in ${HOME}/.cache/twinml/bin"
fi
