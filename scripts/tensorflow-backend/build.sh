#!/usr/bin/env bash
# Builds the `tensorflow` backend: @tensorflow/tfjs-node's native addon compiled from the npm package's own sources
# against the TensorFlow shared libraries and C headers in the PyPI `tensorflow-cpu` wheel. No CDN download.
#
#   npm run setup:tensorflow        (or: bash scripts/tensorflow-backend/build.sh)
#   bash scripts/tensorflow-backend/build.sh --gpu
#        NVIDIA GPUs, UNTESTED in twinml (no GPU here): the `tensorflow[and-cuda]` wheel (CUDA 12 + cuDNN 9 as pip
#        packages, with dependencies) and @tensorflow/tfjs-node-gpu instead; see docs/gpu.md.
#
# What it does (idempotent; each step is skipped when already done; needs only PyPI and the npm registry):
#   1. pip-installs tensorflow-cpu (version pinned in wheel.sh; no dependencies: only its .so files and headers are
#      used) into a scratch virtualenv  ${TWINML_VENV_CACHE:-$HOME/.cache/twinml}/tf-venv-<version>
#   2. npm-installs @tensorflow/tfjs-node@$TFJS_NODE_VERSION into node_modules with --no-save --ignore-scripts
#      (its install script would download libtensorflow 2.9.1 from storage.googleapis.com; package.json stays as is)
#   3. lays out node_modules/@tensorflow/tfjs-node/deps/{include,lib} the way its binding.gyp expects:
#        include/                      -> <wheel>/tensorflow/include
#        lib/libtensorflow.so          -> libtensorflow_cc.so.2   (the wheel's C + eager C API, see findings)
#        lib/libtensorflow_cc.so.2     -> <wheel>/tensorflow/libtensorflow_cc.so.2
#        lib/libtensorflow_framework.so{,.2} -> <wheel>/tensorflow/libtensorflow_framework.so.2
#   4. runs node-gyp rebuild in that package (node headers from the local Node install, no header download) and
#      places tfjs_binding.node where node-pre-gyp's `find` looks (lib/napi-v<N>/), then loads it as a check.
#      The addon's RUNPATH gets the wheel's real folder first (LDFLAGS), so libtensorflow's own $ORIGIN-relative
#      look-ups (the CUDA wheels in the GPU variant) resolve as they do under Python.
#
# `npm ci` / `npm install` remove the --no-save package again: rerun this script afterwards (steps 1 and 2 are cached).
# Requirements: python3 (3.9-3.13) with venv, make, g++ (C++17), Node >= 20 with its headers (include/node).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo_root=$(pwd)

source scripts/tensorflow-backend/wheel.sh
case "${1:-}" in
  '') ;;
  --gpu) use_gpu_variant ;;
  *) printf 'setup:tensorflow: unknown argument "%s"; valid: --gpu (or nothing for the CPU build)\n' "$1" >&2; exit 2 ;;
esac

say() { printf 'setup:tensorflow: %s\n' "$*"; }
die() { printf 'setup:tensorflow: error: %s\n' "$*" >&2; exit 1; }

for tool in python3 make g++ node npm; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (needed: python3 with venv, make, g++, node, npm)"
done

# ---- 1. the wheel -------------------------------------------------------------------------------------------------
ensure_tensorflow_wheel
for f in libtensorflow_cc.so.2 libtensorflow_framework.so.2 include/tensorflow/c/c_api.h include/tensorflow/c/eager/c_api.h; do
  [ -e "$tf_dir/$f" ] || die "the wheel has no $tf_dir/$f (run scripts/tensorflow-backend/investigate.sh)"
done

# ---- 2. the npm package (sources of the addon + its JS) -----------------------------------------------------------
pkg_dir="$repo_root/node_modules/$TFJS_NODE_PACKAGE"
installed=$(node -p "try { require('$pkg_dir/package.json').version } catch { '' }")
if [ "$installed" != "$TFJS_NODE_VERSION" ]; then
  say "npm install --no-save --ignore-scripts $TFJS_NODE_PACKAGE@$TFJS_NODE_VERSION"
  npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "$TFJS_NODE_PACKAGE@$TFJS_NODE_VERSION"
else
  say "$TFJS_NODE_PACKAGE $TFJS_NODE_VERSION already in node_modules"
fi

# ---- 3. deps/ as binding.gyp expects it ---------------------------------------------------------------------------
deps="$pkg_dir/deps"
rm -rf "$deps"
mkdir -p "$deps/lib"
ln -s "$tf_dir/include" "$deps/include"
ln -s "$tf_dir/libtensorflow_cc.so.2" "$deps/lib/libtensorflow_cc.so.2"
ln -s "$tf_dir/libtensorflow_framework.so.2" "$deps/lib/libtensorflow_framework.so.2"
ln -s libtensorflow_cc.so.2 "$deps/lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$deps/lib/libtensorflow_framework.so"
say "deps/ -> $tf_dir"

# ---- 4. node-gyp ---------------------------------------------------------------------------------------------------
binding_path=$(cd "$pkg_dir" && node -p "require('@mapbox/node-pre-gyp').find(require('path').resolve('package.json'))")
napi_version=$(basename "$(dirname "$binding_path")" | sed 's/^napi-v//')
node_dir=$(dirname "$(dirname "$(node -p process.execPath)")")
[ -f "$node_dir/include/node/node_api.h" ] || die "no Node headers at $node_dir/include/node (install your distribution's Node development headers)"
node_gyp="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
if [ -f "$node_gyp" ]; then node_gyp_cmd=(node "$node_gyp"); else node_gyp_cmd=(npm exec --yes -- node-gyp@11); fi

stamp="$TF_WHEEL-$TF_WHEEL_VERSION $TFJS_NODE_VERSION napi-$napi_version $(node -p process.version) $tf_dir"
# One built addon per stamp is kept for the machine (beside the wheel's venv): \`npm ci\` and fresh clones reuse it.
cache_root=${TWINML_VENV_CACHE:-$HOME/.cache/twinml}
cached="$cache_root/tfjs-binding/$(printf '%s' "$stamp" | sha256sum | cut -c1-16)/tfjs_binding.node"
if [ -f "$binding_path" ] && [ "$(cat "$pkg_dir/build/twinml-build-stamp" 2>/dev/null)" = "$stamp" ]; then
  say "addon already built ($stamp): $binding_path"
elif [ -f "$cached" ]; then
  mkdir -p "$(dirname "$binding_path")" "$pkg_dir/build"
  cp "$cached" "$binding_path.tmp" && mv "$binding_path.tmp" "$binding_path"
  echo "$stamp" > "$pkg_dir/build/twinml-build-stamp"
  say "reusing the machine's cached build for the same wheel, package and Node: $cached"
else
  say "node-gyp rebuild (napi $napi_version, about a minute)"
  (cd "$pkg_dir" && LDFLAGS="-Wl,-rpath,$tf_dir" "${node_gyp_cmd[@]}" rebuild --loglevel=error --nodedir="$node_dir" \
      --module_name=tfjs_binding --module_path="$(dirname "$binding_path")" --napi_build_version="$napi_version" \
      -j "$(nproc 2>/dev/null || echo 2)")
  echo "$stamp" > "$pkg_dir/build/twinml-build-stamp"
  mkdir -p "$(dirname "$cached")" && cp "$binding_path" "$cached.tmp.$$" && mv "$cached.tmp.$$" "$cached"
fi

# ---- check ---------------------------------------------------------------------------------------------------------
check=$(TF_CPP_MIN_LOG_LEVEL=2 node -e "const b = require('$binding_path'); console.log('TensorFlow ' + b.TF_Version + ', GPU device: ' + b.isUsingGpuDevice())")
say "built $binding_path ($check; from $TF_WHEEL $TF_WHEEL_VERSION)"
say "check with: node bin/twinml.js doctor"
