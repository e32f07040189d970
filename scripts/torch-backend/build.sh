#!/usr/bin/env bash
# Builds the `torch` backend: twinml's N-API addon (native/torch-backend/*.cc) compiled against the libtorch that
# ships inside the PyPI torch wheel of the project's .venv (headers in <site-packages>/torch/include, libraries in
# <site-packages>/torch/lib). No download: it needs the .venv from `npm run setup`, g++ (C++20) and Node's headers.
#
#   npm run setup:torch            (or: bash scripts/torch-backend/build.sh; from a project that installed twinml,
#                                   `npx twinml setup torch` runs this script shipped in the package)
#   bash scripts/torch-backend/build.sh --python /path/to/python   another interpreter whose torch to build against
#   bash scripts/torch-backend/build.sh --force                     rebuild even when the stamp matches
#
# Output: native/torch-backend/build/twinml_torch.node (+ build-stamp). Rebuilt when the torch version, the Node
# version or the sources change. The addon's RUNPATH points at the wheel's torch/lib, so it loads the same
# libtorch_cpu.so / libc10.so Python does; CUDA kernels (libtorch_cuda.so of CUDA wheels) are loaded only when
# --device cuda is asked for. Check with: node bin/twinml.js doctor
set -euo pipefail
cd "$(dirname "$0")/../.."
repo_root=$(pwd)

say() { printf 'setup:torch: %s\n' "$*"; }
die() { printf 'setup:torch: error: %s\n' "$*" >&2; exit 1; }

python="$repo_root/.venv/bin/python"
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --python) python="${2:?--python needs a path}"; shift 2 ;;
    --force) force=1; shift ;;
    *) printf 'setup:torch: unknown argument "%s"; valid: --python PATH, --force\n' "$1" >&2; exit 2 ;;
  esac
done

[ -x "$python" ] || die "no Python at $python: pass --python PATH of an interpreter with torch (in a clone of twinml: \`npm run setup\` creates .venv with torch)"
command -v g++ >/dev/null 2>&1 || die "g++ is not on PATH: install a C++20 compiler (Debian/Ubuntu: apt-get install g++; macOS: xcode-select --install)"
command -v node >/dev/null 2>&1 || die "node is not on PATH"

# ---- the wheel --------------------------------------------------------------------------------------------------
read -r torch_version torch_dir abi < <("$python" -c 'import os, torch; print(torch.__version__, os.path.dirname(torch.__file__), int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null) \
  || die "$python cannot import torch: install torch from PyPI into it, or pass --python PATH of one that can (in a clone of twinml: \`npm run setup\` installs requirements.txt into .venv)"
# The real path (the .venv link resolved): the addon's RUNPATH and the cache key below must not name one clone.
torch_dir=$(readlink -f "$torch_dir")
for f in include/ATen/ATen.h include/ATen/core/dispatch/Dispatcher.h lib/libtorch_cpu.so lib/libc10.so; do
  [ -e "$torch_dir/$f" ] || die "the torch wheel has no $torch_dir/$f (a torch wheel with C++ headers is needed; reinstall torch from PyPI)"
done

# ---- Node's headers ---------------------------------------------------------------------------------------------
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
node_include=""
for d in "$node_prefix/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$d/node_api.h" ]; then node_include=$d; break; fi
done
[ -n "$node_include" ] || die "no Node headers (node_api.h) in $node_prefix/include/node or /usr/include/node: install your distribution's Node development headers (Debian: apt-get install libnode-dev), or use a Node from nodejs.org (ships include/node)"

# ---- compile ----------------------------------------------------------------------------------------------------
src_dir="$repo_root/native/torch-backend"
out_dir="$src_dir/build"
out="$out_dir/twinml_torch.node"
sources=("$src_dir/addon.cc" "$src_dir/fused.cc")
src_hash=$(cat "${sources[@]}" "$0" | sha256sum | cut -c1-12)
stamp="torch-$torch_version abi-$abi node-$(node -p process.version) src-$src_hash $torch_dir"
# One compiled addon per stamp is kept for the machine (like the virtualenv): a fresh clone reuses it.
cache_root=${TWINML_VENV_CACHE:-$HOME/.cache/twinml}
cached="$cache_root/torch-addon/$(printf '%s' "$stamp" | sha256sum | cut -c1-16)/twinml_torch.node"
if [ "$force" = 0 ] && [ -f "$out" ] && [ "$(cat "$out_dir/build-stamp" 2>/dev/null)" = "$stamp" ]; then
  say "addon already built ($stamp): $out"
elif [ "$force" = 0 ] && [ -f "$cached" ]; then
  mkdir -p "$out_dir"
  cp "$cached" "$out.tmp" && mv "$out.tmp" "$out"
  echo "$stamp" > "$out_dir/build-stamp"
  say "reusing the machine's cached build of the same sources and torch: $cached"
else
  mkdir -p "$out_dir"
  case "$(uname -s)" in
    Darwin) shared=(-bundle -undefined dynamic_lookup); rpath=(-Wl,-rpath,"$torch_dir/lib") ;;
    *) shared=(-shared); rpath=(-Wl,-rpath,"$torch_dir/lib" -Wl,--no-as-needed) ;;
  esac
  say "compiling against torch $torch_version ($torch_dir), C++20, _GLIBCXX_USE_CXX11_ABI=$abi (about a minute)"
  objs=()
  pids=()
  for src in "${sources[@]}"; do
    obj="$out_dir/$(basename "$src" .cc).o"
    objs+=("$obj")
    g++ -std=c++20 -O2 -fPIC -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI="$abi" -DTWINML_TORCH_VERSION="\"$torch_version\"" \
      -I"$torch_dir/include" -I"$node_include" -c "$src" -o "$obj" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || die "compiling failed (see the compiler errors above; g++ >= 10 is needed for C++20)"; done
  g++ "${shared[@]}" "${objs[@]}" -o "$out.tmp" -L"$torch_dir/lib" "${rpath[@]}" -ltorch_cpu -lc10 || die "linking against $torch_dir/lib failed"
  mv "$out.tmp" "$out"
  rm -f "${objs[@]}"
  echo "$stamp" > "$out_dir/build-stamp"
  mkdir -p "$(dirname "$cached")" && cp "$out" "$cached.tmp.$$" && mv "$cached.tmp.$$" "$cached"
fi

# ---- check ------------------------------------------------------------------------------------------------------
check=$(node -e "const b = require('$out'); const i = b.info(); console.log('torch ' + i.torch + ', ' + b.getThreads() + ' threads')") \
  || die "the addon was built but does not load in Node (see the error above)"
say "built $out ($check)"
say "use it with --backend torch; check with: twinml doctor"
