// twinml's `torch` backend addon: libtorch tensors held in a native table, ATen operators called through the
// c10 dispatcher (boxed), arguments read from a shared Float64Array so that one call allocates no JS object.
//
// JS side: src/backend/torch/native.ts. Protocol:
//   setBuffers(meta: Int32Array, args: Float64Array)   once; the addon keeps references to both
//   opHandle("aten::add", "Tensor") -> handle           resolves an operator and its schema once
//   call(handle, nGiven)                                 arguments 0..nGiven-1 read from `args` (encoding below),
//                                                        the rest take the schema's defaults; outputs registered
//                                                        in the table, described in `meta`:
//                                                        meta[0] = n, then per output: id, dtype, rank, dims...
//   upload(typedArray, scalarType, rank) (dims in meta[0..rank)) -> id;  download(id) -> typed array;  free(id)
// Argument encoding (one or more float64 slots per schema argument):
//   Tensor: table id (Tensor?: -1 = None); int/SymInt/float/bool: the value (optional: NaN = None);
//   int[]/SymInt[]: length then values (optional: -1 = None); Tensor[]: length then ids;
//   Scalar: kind (0 float, 1 int, 2 bool) then value; ScalarType?: the c10::ScalarType code (NaN = None);
//   str: index of a string interned with intern(); other optional arguments: NaN = None.
#include <node_api.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#ifndef TWINML_TORCH_VERSION
#define TWINML_TORCH_VERSION "unknown"  // scripts/torch-backend/build.sh passes torch.__version__
#endif

namespace {

std::vector<at::Tensor> g_table;
std::vector<int32_t> g_free;
int64_t g_live = 0;
napi_ref g_meta_ref = nullptr;
napi_ref g_args_ref = nullptr;
int32_t* g_meta = nullptr;
size_t g_meta_len = 0;
double* g_args = nullptr;
size_t g_args_len = 0;
std::vector<c10::OperatorHandle> g_ops;
std::vector<std::string> g_strings;
at::Device g_device = at::kCPU;

struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define NAPI_OK(call)                                                   \
  do {                                                                  \
    if ((call) != napi_ok) throw JsError("twinml torch addon: N-API call failed: " #call); \
  } while (0)

// tfjs dtypes are float32, int32 and bool: other results are cast (int64 indices/sums -> int32, float64 -> float32).
at::Tensor normalize(at::Tensor t) {
  switch (t.scalar_type()) {
    case at::kFloat:
    case at::kInt:
    case at::kBool:
      return t;
    case at::kLong:
    case at::kShort:
    case at::kChar:
    case at::kByte:
      return t.to(at::kInt);
    default:
      return t.to(at::kFloat);
  }
}

int32_t put(at::Tensor t) {
  t = normalize(std::move(t));
  ++g_live;
  if (!g_free.empty()) {
    int32_t id = g_free.back();
    g_free.pop_back();
    g_table[id] = std::move(t);
    return id;
  }
  g_table.push_back(std::move(t));
  return static_cast<int32_t>(g_table.size() - 1);
}

const at::Tensor& get(double slot) {
  auto id = static_cast<int64_t>(slot);
  if (id < 0 || id >= static_cast<int64_t>(g_table.size()) || !g_table[id].defined()) {
    throw JsError("twinml torch addon: no live tensor with id " + std::to_string(id));
  }
  return g_table[id];
}

size_t g_meta_pos = 0;
void meta_begin() { g_meta_pos = 1; g_meta[0] = 0; }
void meta_add(int32_t id) {
  const at::Tensor& t = g_table[id];
  size_t need = g_meta_pos + 3 + t.dim();
  if (need > g_meta_len) throw JsError("twinml torch addon: meta buffer too small");
  g_meta[g_meta_pos++] = id;
  g_meta[g_meta_pos++] = static_cast<int32_t>(t.scalar_type());
  g_meta[g_meta_pos++] = static_cast<int32_t>(t.dim());
  for (int64_t d : t.sizes()) g_meta[g_meta_pos++] = static_cast<int32_t>(d);
  g_meta[0] += 1;
}

napi_value number(napi_env env, double v) {
  napi_value out;
  NAPI_OK(napi_create_double(env, v, &out));
  return out;
}

napi_value undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

std::vector<napi_value> get_args(napi_env env, napi_callback_info info, size_t expected) {
  std::vector<napi_value> argv(expected);
  size_t argc = expected;
  NAPI_OK(napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr));
  if (argc < expected) throw JsError("twinml torch addon: expected " + std::to_string(expected) + " arguments");
  return argv;
}

double get_double(napi_env env, napi_value v) {
  double out;
  NAPI_OK(napi_get_value_double(env, v, &out));
  return out;
}

std::string get_string(napi_env env, napi_value v) {
  size_t len;
  NAPI_OK(napi_get_value_string_utf8(env, v, nullptr, 0, &len));
  std::string s(len, '\0');
  NAPI_OK(napi_get_value_string_utf8(env, v, s.data(), len + 1, &len));
  return s;
}

// Wraps a callback body: C++ exceptions become JS errors (c10 errors without their backtrace).
template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const c10::Error& e) {
    napi_throw_error(env, nullptr, e.what_without_backtrace());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

// ---- argument decoding ------------------------------------------------------------------------------------------

struct Reader {
  size_t pos = 0;
  double next() {
    if (pos >= g_args_len) throw JsError("twinml torch addon: argument buffer overrun");
    return g_args[pos++];
  }
};

c10::IValue read_value(Reader& r, const c10::TypePtr& type, const std::string& op, const std::string& name);

std::vector<int64_t> read_ints(Reader& r, int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>(r.next());
  return v;
}

c10::IValue read_value(Reader& r, const c10::TypePtr& type, const std::string& op, const std::string& name) {
  using K = c10::TypeKind;
  switch (type->kind()) {
    case K::TensorType:
      return get(r.next());
    case K::IntType:
    case K::SymIntType:
      return static_cast<int64_t>(r.next());
    case K::FloatType:
    case K::SymFloatType:
      return r.next();
    case K::BoolType:
    case K::SymBoolType:
      return r.next() != 0;
    case K::NumberType: {
      double kind = r.next();
      double v = r.next();
      if (kind == 1) return c10::IValue(c10::Scalar(static_cast<int64_t>(v)));
      if (kind == 2) return c10::IValue(c10::Scalar(v != 0));
      return c10::IValue(c10::Scalar(v));
    }
    case K::StringType: {
      auto i = static_cast<size_t>(r.next());
      if (i >= g_strings.size()) throw JsError("twinml torch addon: unknown string index for " + op + " " + name);
      return g_strings[i];
    }
    case K::ScalarTypeType:
      return static_cast<int64_t>(r.next());
    case K::OptionalType: {
      const auto& elem = type->castRaw<c10::OptionalType>()->getElementType();
      // Peek: None is NaN (or -1 for Tensor and lists).
      double head = g_args[r.pos];
      bool isNone = std::isnan(head) ||
                    ((elem->kind() == K::TensorType || elem->kind() == K::ListType) && head < 0);
      if (isNone) {
        r.next();
        // Factory functions (full, arange, empty, ...) create on the backend's device.
        if (elem->kind() == K::DeviceObjType) return c10::IValue(g_device);
        return c10::IValue();
      }
      return read_value(r, elem, op, name);
    }
    case K::ListType: {
      const auto& elem = type->castRaw<c10::ListType>()->getElementType();
      auto n = static_cast<int64_t>(r.next());
      if (elem->kind() == K::IntType || elem->kind() == K::SymIntType) return read_ints(r, n);
      if (elem->kind() == K::TensorType) {
        std::vector<at::Tensor> list;
        list.reserve(n);
        for (int64_t i = 0; i < n; ++i) list.push_back(get(r.next()));
        return list;
      }
      if (elem->kind() == K::FloatType) {
        std::vector<double> v(n);
        for (int64_t i = 0; i < n; ++i) v[i] = r.next();
        return v;
      }
      if (elem->kind() == K::BoolType && n >= 0) {
        c10::List<bool> v;
        for (int64_t i = 0; i < n; ++i) v.push_back(r.next() != 0);
        return v;
      }
      if (elem->kind() == K::OptionalType) {
        c10::List<std::optional<at::Tensor>> v;
        for (int64_t i = 0; i < n; ++i) {
          double id = r.next();
          if (id < 0) v.push_back(std::nullopt); else v.push_back(get(id));
        }
        return v;
      }
      break;
    }
    default:
      break;
  }
  // Device, Layout, MemoryFormat, Generator...: only None is supported (one slot, ignored).
  r.next();
  if (type->kind() == K::DeviceObjType) return c10::IValue(g_device);
  return c10::IValue();
}

void push_outputs(const c10::IValue& v) {
  if (v.isTensor()) {
    if (v.toTensor().defined()) meta_add(put(v.toTensor()));
  } else if (v.isTensorList()) {
    for (const at::Tensor& t : v.toTensorVector()) meta_add(put(t));
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) push_outputs(e);
  } else if (v.isNone()) {
  } else {
    throw JsError("twinml torch addon: an operator returned a " + v.tagKind() + ", not tensors");
  }
}

// ---- exported functions -----------------------------------------------------------------------------------------

// glibc's malloc serves large blocks with mmap and trims the heap top when more than a few MB are free, so in a Node
// process a training step's activations (MBs each, freed and reallocated every step) come back as fresh pages:
// ~1,600-2,000 page faults per step of the zoo CNN, ~15% of its CPU time (PyTorch in Python: none). Fixed thresholds
// keep freed blocks in the heap for the next step (the process's RSS stays at its working set instead). Set when a
// TorchBackend is created (setBuffers), not when the addon is merely loaded to probe it.
void tuneMalloc() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}


napi_value SetBuffers(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    tuneMalloc();
    auto argv = get_args(env, info, 2);
    napi_typedarray_type type;
    size_t len;
    void* data;
    napi_value ab;
    size_t offset;
    NAPI_OK(napi_get_typedarray_info(env, argv[0], &type, &len, &data, &ab, &offset));
    if (type != napi_int32_array) throw JsError("setBuffers: meta must be an Int32Array");
    g_meta = static_cast<int32_t*>(data);
    g_meta_len = len;
    NAPI_OK(napi_get_typedarray_info(env, argv[1], &type, &len, &data, &ab, &offset));
    if (type != napi_float64_array) throw JsError("setBuffers: args must be a Float64Array");
    g_args = static_cast<double*>(data);
    g_args_len = len;
    if (g_meta_ref) napi_delete_reference(env, g_meta_ref);
    if (g_args_ref) napi_delete_reference(env, g_args_ref);
    NAPI_OK(napi_create_reference(env, argv[0], 1, &g_meta_ref));
    NAPI_OK(napi_create_reference(env, argv[1], 1, &g_args_ref));
    return undefined(env);
  });
}

napi_value OpHandle(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto argv = get_args(env, info, 2);
    std::string name = get_string(env, argv[0]);
    std::string overload = get_string(env, argv[1]);
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle) throw JsError("twinml torch addon: libtorch has no operator " + name + "." + overload);
    g_ops.push_back(*handle);
    return number(env, static_cast<double>(g_ops.size() - 1));
  });
}

napi_value Intern(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto argv = get_args(env, info, 1);
    g_strings.push_back(get_string(env, argv[0]));
    return number(env, static_cast<double>(g_strings.size() - 1));
  });
}

napi_value Call(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[2];
    size_t argc = 2;
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
    auto h = static_cast<size_t>(get_double(env, argv[0]));
    auto given = static_cast<size_t>(get_double(env, argv[1]));
    if (h >= g_ops.size()) throw JsError("twinml torch addon: bad operator handle");
    const c10::OperatorHandle& op = g_ops[h];
    const auto& schema = op.schema();
    const auto& args = schema.arguments();
    if (given > args.size()) throw JsError("twinml torch addon: too many arguments for " + schema.name());
    torch::jit::Stack stack;
    stack.reserve(args.size());
    Reader r;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i < given) {
        stack.push_back(read_value(r, args[i].type(), schema.name(), args[i].name()));
      } else if (args[i].default_value()) {
        stack.push_back(*args[i].default_value());
      } else if (args[i].type()->kind() == c10::TypeKind::OptionalType) {
        stack.push_back(c10::IValue());
      } else {
        throw JsError("twinml torch addon: " + schema.name() + " needs argument " + args[i].name());
      }
    }
    op.callBoxed(&stack);
    meta_begin();
    for (const auto& v : stack) push_outputs(v);
    return number(env, g_meta[0]);
  });
}

napi_value Upload(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto argv = get_args(env, info, 3);
    napi_typedarray_type type;
    size_t len;
    void* data;
    napi_value ab;
    size_t offset;
    NAPI_OK(napi_get_typedarray_info(env, argv[0], &type, &len, &data, &ab, &offset));
    auto scalar = static_cast<at::ScalarType>(static_cast<int>(get_double(env, argv[1])));
    auto rank = static_cast<int64_t>(get_double(env, argv[2]));
    std::vector<int64_t> dims(rank);
    int64_t n = 1;
    for (int64_t i = 0; i < rank; ++i) n *= (dims[i] = g_meta[i]);
    size_t elem = at::elementSize(scalar);
    size_t bytes_in = len * (type == napi_float32_array || type == napi_int32_array ? 4 : 1);
    if (bytes_in != static_cast<size_t>(n) * elem) {
      throw JsError("twinml torch addon: upload of " + std::to_string(bytes_in) + " bytes for " + std::to_string(n) + " elements");
    }
    at::Tensor t = at::empty(dims, at::TensorOptions().dtype(scalar));
    if (bytes_in) std::memcpy(t.data_ptr(), data, bytes_in);
    if (g_device != at::kCPU) t = t.to(g_device);
    return number(env, put(std::move(t)));
  });
}

napi_value Download(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto argv = get_args(env, info, 1);
    at::Tensor t = get(get_double(env, argv[0])).to(at::kCPU).contiguous();
    size_t bytes = t.numel() * t.element_size();
    void* out_data;
    napi_value ab;
    NAPI_OK(napi_create_arraybuffer(env, bytes, &out_data, &ab));
    if (bytes) std::memcpy(out_data, t.data_ptr(), bytes);
    napi_typedarray_type type = t.scalar_type() == at::kFloat ? napi_float32_array
                                : t.scalar_type() == at::kInt ? napi_int32_array
                                                              : napi_uint8_array;
    napi_value out;
    NAPI_OK(napi_create_typedarray(env, type, t.numel(), ab, 0, &out));
    return out;
  });
}

napi_value Free(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    napi_value argv[1];
    size_t argc = 1;
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
    auto id = static_cast<int64_t>(get_double(env, argv[0]));
    if (id >= 0 && id < static_cast<int64_t>(g_table.size()) && g_table[id].defined()) {
      g_table[id] = at::Tensor();
      g_free.push_back(static_cast<int32_t>(id));
      --g_live;
    }
    return undefined(env);
  });
}

napi_value LiveCount(napi_env env, napi_callback_info) { return number(env, static_cast<double>(g_live)); }

napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto argv = get_args(env, info, 1);
    auto n = static_cast<int>(get_double(env, argv[0]));
    if (n < 1) throw JsError("twinml torch addon: threads must be >= 1");
    at::set_num_threads(n);
    return undefined(env);
  });
}

napi_value GetThreads(napi_env env, napi_callback_info) { return number(env, at::get_num_threads()); }

// Loads libtorch_cuda.so (its kernels register with the dispatcher on load) from the folder of libtorch_cpu.so.
bool load_cuda(std::string& error) {
  if (at::hasCUDA()) return true;
  Dl_info dl;
  if (!dladdr(reinterpret_cast<void*>(&at::get_num_threads), &dl) || !dl.dli_fname) {
    error = "cannot locate libtorch_cpu.so";
    return false;
  }
  std::string dir(dl.dli_fname);
  dir = dir.substr(0, dir.rfind('/'));
  if (!dlopen((dir + "/libtorch_cuda.so").c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    const char* e = dlerror();
    error = e ? e : "dlopen failed";
    return false;
  }
  return true;
}

// setDevice("cpu" | "cuda" | "cuda:N" | "mps"): tensors created afterwards live there.
napi_value SetDevice(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    auto argv = get_args(env, info, 1);
    std::string name = get_string(env, argv[0]);
    at::Device device(name);
    if (device.is_cuda()) {
      std::string error;
      if (!load_cuda(error)) throw JsError("device " + name + ": this torch has no CUDA kernels (" + error + ")");
      if (!at::hasCUDA()) throw JsError("device " + name + ": no CUDA device is present (libtorch_cuda loaded, driver or GPU missing)");
    } else if (device.is_mps()) {
      if (!at::hasMPS()) throw JsError("device " + name + ": this torch build or machine has no Metal (MPS) support");
    } else if (!device.is_cpu()) {
      throw JsError("device " + name + ": use cpu, cuda[:N] or mps");
    }
    g_device = device;
    return undefined(env);
  });
}

// {cuda: bool (kernels + device present), cudaKernels: bool, mps: bool} without changing the device.
napi_value Devices(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value out, v;
    NAPI_OK(napi_create_object(env, &out));
    std::string error;
    bool kernels = load_cuda(error);
    NAPI_OK(napi_get_boolean(env, kernels && at::hasCUDA(), &v));
    NAPI_OK(napi_set_named_property(env, out, "cuda", v));
    NAPI_OK(napi_get_boolean(env, kernels, &v));
    NAPI_OK(napi_set_named_property(env, out, "cudaKernels", v));
    NAPI_OK(napi_get_boolean(env, at::hasMPS(), &v));
    NAPI_OK(napi_set_named_property(env, out, "mps", v));
    return out;
  });
}

napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value out, v;
    NAPI_OK(napi_create_object(env, &out));
    std::string version = TWINML_TORCH_VERSION;
    NAPI_OK(napi_create_string_utf8(env, version.c_str(), version.size(), &v));
    NAPI_OK(napi_set_named_property(env, out, "torch", v));
    std::string device = g_device.str();
    NAPI_OK(napi_create_string_utf8(env, device.c_str(), device.size(), &v));
    NAPI_OK(napi_set_named_property(env, out, "device", v));
    std::string parallel = at::get_parallel_info();
    NAPI_OK(napi_create_string_utf8(env, parallel.c_str(), parallel.size(), &v));
    NAPI_OK(napi_set_named_property(env, out, "parallel", v));
    return out;
  });
}

}  // namespace

// The fused kernels (fused.cc).
napi_value AdamStep(napi_env env, napi_callback_info info);
napi_value SgdStep(napi_env env, napi_callback_info info);
napi_value CrossEntropy(napi_env env, napi_callback_info info);
napi_value MaxPool(napi_env env, napi_callback_info info);
napi_value MaxPoolGrad(napi_env env, napi_callback_info info);
napi_value ChannelsLast(napi_env env, napi_callback_info info);
napi_value MaxPoolNhwc(napi_env env, napi_callback_info info);
napi_value MaxPoolNhwcGrad(napi_env env, napi_callback_info info);

namespace twinml_torch {
const at::Tensor& tensor(double slot) { return get(slot); }
int32_t store(at::Tensor t) { return put(std::move(t)); }
void metaBegin() { meta_begin(); }
void metaAdd(int32_t id) { meta_add(id); }
const double* args() { return g_args; }
napi_value num(napi_env env, double v) { return number(env, v); }
}  // namespace twinml_torch

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"setBuffers", nullptr, SetBuffers, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"opHandle", nullptr, OpHandle, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"intern", nullptr, Intern, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"call", nullptr, Call, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"upload", nullptr, Upload, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"download", nullptr, Download, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"free", nullptr, Free, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"liveCount", nullptr, LiveCount, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getThreads", nullptr, GetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setDevice", nullptr, SetDevice, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"devices", nullptr, Devices, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdStep", nullptr, SgdStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"crossEntropy", nullptr, CrossEntropy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelsLast", nullptr, ChannelsLast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolNhwc", nullptr, MaxPoolNhwc, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolNhwcGrad", nullptr, MaxPoolNhwcGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
