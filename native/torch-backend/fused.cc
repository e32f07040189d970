// Fused kernels of twinml's `torch` backend: the optimizer steps and softmax cross-entropy.
//
// Optimizer steps: one addon call per parameter runs PyTorch's default
// (single-tensor, foreach=False) Adam/AdamW/SGD update as the same ATen kernels in the same order as
// torch/optim/adam.py `_single_tensor_adam` and torch/optim/sgd.py `_single_tensor_sgd`, with the same double
// scalars, so the update equals PyTorch's bit for bit on the same device. In place, as PyTorch, when the
// parameter/state tensor is not shared (the optimizer disposes the old tensor as it stores the new one);
// otherwise on a copy.
//
// Arguments are read from the shared Float64Array (addon.cc); outputs are described in meta as for `call`.
//   adamStep: [param, grad, expAvg|-1, expAvgSq|-1, maxExpAvgSq|-1, lr, beta1, beta2, eps, weightDecay,
//              decoupled(0/1), amsgrad(0/1), step, exclusive bits]  -> param, expAvg, expAvgSq(, maxExpAvgSq)
//   sgdStep:  [param, grad, momentumBuffer|-1, lr, momentum, dampening, weightDecay, nesterov(0/1), exclusive bits]
//              -> param(, momentumBuffer when momentum != 0)
//   crossEntropy: [logits [N, C], target [N] int32, ignoreIndex] -> loss [N] (log_softmax + nll_loss, reduction
//              none, as torch.nn.functional.cross_entropy), grad [N, C] = softmax - onehot (0 rows where ignored),
//              count [] (rows not ignored, float32)
#include <node_api.h>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <vector>

namespace twinml_torch {
const at::Tensor& tensor(double slot);
int32_t store(at::Tensor t);
void metaBegin();
void metaAdd(int32_t id);
const double* args();
napi_value num(napi_env env, double v);
}  // namespace twinml_torch

namespace {
using namespace twinml_torch;

template <typename F>
napi_value guard(napi_env env, F&& body) {
  try {
    return body();
  } catch (const c10::Error& e) {
    napi_throw_error(env, nullptr, e.what_without_backtrace());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

void emit(const at::Tensor& t) { metaAdd(store(t)); }
}  // namespace

// A tensor the step may update in place: JS said no other tfjs tensor shares its data (slot flag), and no other
// native tensor or view shares its TensorImpl or storage. Otherwise a copy is updated (same arithmetic).
at::Tensor writable(double slot, bool jsExclusive) {
  const at::Tensor& t = tensor(slot);
  if (jsExclusive && t.use_count() == 1 && t.storage().use_count() == 1 && t.is_contiguous()) return t;
  // Contiguous copies: a parameter that arrived as a transposed view is updated in place from the next step on.
  return t.clone(at::MemoryFormat::Contiguous);
}

napi_value AdamStep(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const double lr = a[5], beta1 = a[6], beta2 = a[7], eps = a[8], weightDecay = a[9];
    const bool decoupled = a[10] != 0, amsgrad = a[11] != 0;
    const double step = a[12];
    const auto exclusive = static_cast<int64_t>(a[13]);  // bit k: input k is not shared on the JS side
    auto mine = [&](int k) { return (exclusive >> k & 1) != 0; };
    at::Tensor param = writable(a[0], mine(0));
    at::Tensor grad = tensor(a[1]).contiguous();  // one copy when it is a view, instead of strided passes
    if (weightDecay != 0) {
      if (decoupled) param.mul_(1 - lr * weightDecay);
      else grad = grad.add(param, weightDecay);
    }
    // State starts as zeros (torch.zeros_like(p, memory_format=torch.preserve_format)).
    at::Tensor expAvg = a[2] >= 0 ? writable(a[2], mine(2)) : at::zeros_like(param, at::MemoryFormat::Contiguous);
    at::Tensor expAvgSq = a[3] >= 0 ? writable(a[3], mine(3)) : at::zeros_like(param, at::MemoryFormat::Contiguous);
    expAvg.lerp_(grad, 1 - beta1);
    expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    const double biasCorrection1 = 1 - std::pow(beta1, step);
    const double biasCorrection2 = 1 - std::pow(beta2, step);
    const double stepSize = lr / biasCorrection1;
    const double biasCorrection2Sqrt = std::pow(biasCorrection2, 0.5);
    at::Tensor maxExpAvgSq;
    at::Tensor denom;
    if (amsgrad) {
      maxExpAvgSq = a[4] >= 0 ? writable(a[4], mine(4)) : at::zeros_like(param, at::MemoryFormat::Contiguous);
      at::maximum_out(maxExpAvgSq, maxExpAvgSq, expAvgSq);
      denom = (maxExpAvgSq.sqrt() / biasCorrection2Sqrt).add_(eps);
    } else {
      denom = (expAvgSq.sqrt() / biasCorrection2Sqrt).add_(eps);
    }
    param.addcdiv_(expAvg, denom, -stepSize);
    metaBegin();
    emit(param);
    emit(expAvg);
    emit(expAvgSq);
    if (amsgrad) emit(maxExpAvgSq);
    return num(env, 0);
  });
}

napi_value SgdStep(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const double lr = a[3], momentum = a[4], dampening = a[5], weightDecay = a[6];
    const bool nesterov = a[7] != 0;
    const auto exclusive = static_cast<int64_t>(a[8]);
    at::Tensor param = writable(a[0], (exclusive & 1) != 0);
    at::Tensor grad = tensor(a[1]).contiguous();
    if (weightDecay != 0) grad = grad.add(param, weightDecay);
    at::Tensor buf;
    if (momentum != 0) {
      if (a[2] >= 0) {
        buf = writable(a[2], (exclusive >> 2 & 1) != 0);
        buf.mul_(momentum).add_(grad, 1 - dampening);
      } else {
        buf = grad.clone();
      }
      grad = nesterov ? grad.add(buf, momentum) : buf;
    }
    param.add_(grad, -lr);
    metaBegin();
    emit(param);
    if (momentum != 0) emit(buf);
    return num(env, 0);
  });
}

napi_value CrossEntropy(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& logits = tensor(a[0]);
    const at::Tensor& target = tensor(a[1]);
    const auto ignoreIndex = static_cast<int64_t>(a[2]);
    if (logits.dim() != 2 || target.dim() != 1 || target.size(0) != logits.size(0)) {
      throw std::runtime_error("TwinmlSoftmaxCrossEntropy: expected logits [N, C] and target [N]");
    }
    at::Tensor logp = at::_log_softmax(logits, 1, false);
    at::Tensor t = target.to(at::kLong);
    at::Tensor loss = at::nll_loss(logp, t, {}, at::Reduction::None, ignoreIndex);
    at::Tensor valid = t.ne(ignoreIndex);
    at::Tensor safe = t.masked_fill(valid.logical_not(), 0);
    at::Tensor onehot = at::one_hot(safe, logits.size(1)).to(logits.scalar_type());
    at::Tensor grad = logp.exp().sub(onehot).mul(valid.unsqueeze(1));
    at::Tensor count = valid.sum().to(logits.scalar_type());
    metaBegin();
    emit(loss);
    emit(grad);
    emit(count);
    return num(env, 0);
  });
}

// Max pooling keeps its argmax indices, as PyTorch's autograd does, so the gradient need not recompute them.
// The cache is keyed by the output's storage (held weakly: a freed output's entry is dropped) and geometry.
namespace {
struct PoolEntry {
  c10::weak_intrusive_ptr<c10::StorageImpl> output;
  at::Tensor indices;
  std::vector<int64_t> key;
};
std::vector<PoolEntry> g_pool_cache;
constexpr size_t kPoolCacheSize = 32;
}  // namespace

static std::vector<int64_t> poolKey(const at::Tensor& x, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride) {
  std::vector<int64_t> key(x.sizes().begin(), x.sizes().end());
  key.insert(key.end(), kernel.begin(), kernel.end());
  key.insert(key.end(), stride.begin(), stride.end());
  return key;
}

// maxPool: [x [N,C,H,W] (already padded with -inf), kh, kw, sh, sw] -> y [N,C,Ho,Wo]
napi_value MaxPool(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& x = tensor(a[0]);
    std::vector<int64_t> kernel{static_cast<int64_t>(a[1]), static_cast<int64_t>(a[2])};
    std::vector<int64_t> stride{static_cast<int64_t>(a[3]), static_cast<int64_t>(a[4])};
    auto [out, indices] = at::max_pool2d_with_indices(x, kernel, stride, {0, 0}, {1, 1}, false);
    std::erase_if(g_pool_cache, [](const PoolEntry& e) { return e.output.expired(); });
    if (g_pool_cache.size() >= kPoolCacheSize) g_pool_cache.erase(g_pool_cache.begin());
    g_pool_cache.push_back({out.storage().getWeakStorageImpl(), indices, poolKey(x, kernel, stride)});
    metaBegin();
    emit(out);
    return num(env, 0);
  });
}

// maxPoolGrad: [dy [N,C,Ho,Wo], x [N,C,H,W] (already padded with -inf), kh, kw, sh, sw, output id | -1] -> dx:
// ATen's max_pool2d backward with the indices maxPool kept for that output, else recomputed from x.
napi_value MaxPoolGrad(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& dy = tensor(a[0]);
    const at::Tensor& x = tensor(a[1]);
    std::vector<int64_t> kernel{static_cast<int64_t>(a[2]), static_cast<int64_t>(a[3])};
    std::vector<int64_t> stride{static_cast<int64_t>(a[4]), static_cast<int64_t>(a[5])};
    std::vector<int64_t> padding{0, 0}, dilation{1, 1};
    at::Tensor indices;
    if (a[6] >= 0) {
      const c10::StorageImpl* storage = tensor(a[6]).storage().unsafeGetStorageImpl();
      auto key = poolKey(x, kernel, stride);
      for (const auto& e : g_pool_cache) {
        auto alive = e.output.lock();
        if (alive && alive.get() == storage && e.key == key) {
          indices = e.indices;
          break;
        }
      }
    }
    if (!indices.defined()) indices = std::get<1>(at::max_pool2d_with_indices(x, kernel, stride, padding, dilation, false));
    at::Tensor dx = at::max_pool2d_with_indices_backward(dy, x, kernel, stride, padding, dilation, false, indices);
    metaBegin();
    emit(dx);
    return num(env, 0);
  });
}
