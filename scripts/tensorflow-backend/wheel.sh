# Sourced by build.sh and investigate.sh: installs the TensorFlow wheel whose shared libraries and C headers the
# tfjs-node addon is built against, into a scratch virtualenv outside the repository.
#   use_gpu_variant           switches to the CUDA wheel (tensorflow[and-cuda]) and @tensorflow/tfjs-node-gpu
#   ensure_tensorflow_wheel   sets tf_dir (the wheel's tensorflow/ folder) and tf_venv
# Pinned versions live here, once.
TF_WHEEL=tensorflow-cpu
TF_WHEEL_VERSION=2.21.0
# CPU: only the wheel's .so files and headers are used, never its Python package, so no dependencies.
TF_PIP_ARGS=(--no-deps "$TF_WHEEL==$TF_WHEEL_VERSION")
TF_VENV_NAME=tf-venv-$TF_WHEEL_VERSION
TFJS_NODE_PACKAGE=@tensorflow/tfjs-node
TFJS_NODE_VERSION=4.22.0

use_gpu_variant() {
  TF_WHEEL=tensorflow
  # The and-cuda extra brings CUDA 12 and cuDNN 9 as nvidia-* wheels, which libtensorflow finds next to itself.
  TF_PIP_ARGS=("$TF_WHEEL[and-cuda]==$TF_WHEEL_VERSION")
  TF_VENV_NAME=tf-gpu-venv-$TF_WHEEL_VERSION
  TFJS_NODE_PACKAGE=@tensorflow/tfjs-node-gpu
}
TWINML_CACHE=${TWINML_VENV_CACHE:-$HOME/.cache/twinml}

# Prints the tensorflow/ package folder of a virtualenv's python, or nothing.
tensorflow_dir_of() {
  "$1/bin/python" -c 'import importlib.util, pathlib
spec = importlib.util.find_spec("tensorflow")
print(pathlib.Path(spec.origin).parent if spec and spec.origin else "")'
}

ensure_tensorflow_wheel() {
  tf_venv="$TWINML_CACHE/$TF_VENV_NAME"
  if [ ! -x "$tf_venv/bin/python" ]; then
    echo "wheel: creating virtualenv $tf_venv" >&2
    mkdir -p "$TWINML_CACHE"
    python3 -m venv "$tf_venv"
  fi
  tf_dir=$(tensorflow_dir_of "$tf_venv")
  if [ -z "$tf_dir" ] || [ ! -f "$tf_dir/libtensorflow_cc.so.2" ] \
     || [ "$("$tf_venv/bin/pip" show "$TF_WHEEL" 2>/dev/null | sed -n 's/^Version: //p')" != "$TF_WHEEL_VERSION" ]; then
    echo "wheel: pip install ${TF_PIP_ARGS[*]} into $tf_venv (CPU: about 270 MB download, 1.3 GB on disk)" >&2
    "$tf_venv/bin/pip" install --quiet --disable-pip-version-check "${TF_PIP_ARGS[@]}" >&2
    tf_dir=$(tensorflow_dir_of "$tf_venv")
  else
    echo "wheel: $TF_WHEEL $TF_WHEEL_VERSION already in $tf_venv" >&2
  fi
}
