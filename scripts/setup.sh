#!/usr/bin/env bash
# twinml set-up: Node dependencies (+ build), then the Python reference stack in .venv.
# Idempotent and non-interactive. Says what it did.
#
# The PyTorch wheel is large (several GB with its CUDA libraries), so the virtualenv is installed once per
# machine in a cache folder keyed by requirements.txt and .venv is a link to it:
#   ${TWINML_VENV_CACHE:-$HOME/.cache/twinml}/venv-<hash of requirements.txt>
# If no Python package registry answers, it falls back to Debian's python3-torch python3-numpy python3-onnx.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'twinml setup: %s\n' "$*"; }

# ---- Node ----
# onnxruntime-node's postinstall only downloads CUDA libraries; package.json's allowScripts denies it on npm >= 11,
# this variable skips it on older npm (GPU users: see docs/gpu.md).
export ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL:-skip}
if [ -f package-lock.json ]; then
  say "npm ci (Node dependencies from package-lock.json; builds dist/)"
  npm ci --no-audit --no-fund --loglevel=error
else
  say "npm install (no package-lock.json yet)"
  npm install --no-audit --no-fund --loglevel=error
fi
[ -f dist/index.js ] || npm run --silent build  # npm ci / npm install already ran `prepare` (the build)
say "Node dependencies installed and dist/ built"

# ---- Python ----
check_py='import torch, numpy, onnx, onnxruntime, safetensors; print("torch", torch.__version__, "numpy", numpy.__version__, "onnx", onnx.__version__)'
if [ -x .venv/bin/python ] && versions=$(.venv/bin/python -c "$check_py" 2>/dev/null); then
  say ".venv already has the reference stack ($versions); nothing to do"
  exit 0
fi

base_python=""
for candidate in python3.12 python3.11 python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
    base_python=$(command -v "$candidate"); break
  fi
done

hash=$(cat requirements.txt | sha256sum | cut -c1-12)
cache_root=${TWINML_VENV_CACHE:-$HOME/.cache/twinml}
cached_venv="$cache_root/venv-$hash"

if [ -n "$base_python" ]; then
  if [ -f "$cached_venv/.twinml-complete" ] && "$cached_venv/bin/python" -c "$check_py" >/dev/null 2>&1; then
    say "reusing the machine's cached virtualenv $cached_venv"
  else
    say "creating $cached_venv with $base_python and installing requirements.txt from PyPI (torch is large; once per machine)"
    rm -rf "$cached_venv"
    mkdir -p "$cache_root"
    if "$base_python" -m venv "$cached_venv" \
      && "$cached_venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
      && "$cached_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt; then
      touch "$cached_venv/.twinml-complete"
    else
      rm -rf "$cached_venv"
      say "pip could not install requirements.txt (no Python package registry?)"
    fi
  fi
  if [ -x "$cached_venv/bin/python" ] && "$cached_venv/bin/python" -c "$check_py" >/dev/null 2>&1; then
    rm -rf .venv
    ln -s "$cached_venv" .venv
    say ".venv -> $cached_venv ($(.venv/bin/python -c "$check_py"))"
    exit 0
  fi
fi

say "falling back to Debian's packages: python3-torch python3-numpy python3-onnx (apt)"
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch python3-numpy python3-onnx python3-venv >/dev/null
  rm -rf .venv
  /usr/bin/python3 -m venv --system-site-packages .venv
  .venv/bin/python -m pip install --quiet onnxruntime safetensors 2>/dev/null || say "onnxruntime/safetensors not installable offline; the ONNX checks that need them will say so"
  say ".venv uses Debian's torch: $(.venv/bin/python -c 'import torch; print(torch.__version__)')"
  exit 0
fi
say "ERROR: no Python with the reference stack could be set up. Install Python 3.9+ and run: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"
exit 1
