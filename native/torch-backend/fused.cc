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
//              decoupled(0/1), amsgrad(0/1), step, exclusive bits, reference(0/1)]
//              -> param, expAvg, expAvgSq(, maxExpAvgSq)
//   sgdStep:  [param, grad, momentumBuffer|-1, lr, momentum, dampening, weightDecay, nesterov(0/1), exclusive bits]
//              -> param(, momentumBuffer when momentum != 0)
//   crossEntropy: [logits [N, C], target [N] int32, ignoreIndex, reference(0/1)] -> loss [N] (log_softmax + nll_loss, reduction
//              none, as torch.nn.functional.cross_entropy), grad [N, C] = softmax - onehot (0 rows where ignored),
//              count [] (rows not ignored, float32)
#include <node_api.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <cstdint>
#include <limits>
#include <string>
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

// ---- Adam: one blocked pass ---------------------------------------------------------------------------------
//
// The same float operations, in the same order and with the same float constants, as the ATen kernels that
// torch/optim/adam.py `_single_tensor_adam` runs on a CPU float32 tensor (ATen's vectorized kernels on an AVX2/AVX512
// host, where vec::fmadd is a fused multiply-add and the pointwise kernels' `a + s * b * c` is contracted to one):
//   grad.add(param, alpha=wd)              add kernel: fma(param, wd, grad)
//   param.mul_(1 - lr*wd)  (AdamW)         param * float(1 - lr*wd)
//   exp_avg.lerp_(grad, 1 - beta1)         |w| < 0.5 ? fma(w, g - m, m) : fma(w - 1, g - m, g)
//   exp_avg_sq.mul_(beta2)                 v * float(beta2)
//     .addcmul_(grad, grad, 1 - beta2)     fma(float(1 - beta2) * g, g, v)
//   torch.maximum(max_sq, exp_avg_sq)      (amsgrad) NaN-propagating maximum
//   denom = (v.sqrt() / float(bc2_sqrt)).add_(eps)     sqrt is ATen's own (at::sqrt_out: MKL's vsSqrt here, which
//                                                      is not always the correctly rounded root)
//   param.addcdiv_(exp_avg, denom, -step_size)         p + (float(-step_size) * m) / denom
// Blocks of kBlock elements go through three cache-resident steps (moments, ATen's sqrt into a scratch, parameter)
// instead of seven whole-tensor kernels and a `denom` allocation, on one thread (see adamBlocked).
// test/backend/torch-adam-fused.test.ts checks it against the ATen sequence (`reference` below) bit for bit and
// test/backend/torch-optim-exact.test.ts against torch.optim.
namespace {
struct AdamConsts {
  float lerpWeight, lerpWeightMinusOne, beta2, sqCoeff, bc2Sqrt, eps, negStepSize, weightDecay, decayScale;
};

constexpr int64_t kBlock = 16384;

// exp_avg, exp_avg_sq (and max_exp_avg_sq) of [begin, end).
template <bool kSmallWeight, int kDecay /*0 none, 1 L2, 2 decoupled*/, bool kAmsgrad>
__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=off"))) void adamMoments(
    const float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, float* __restrict vmax,
    int64_t begin, int64_t end, const AdamConsts c) {
  for (int64_t i = begin; i < end; ++i) {
    float gi = g[i];
    if constexpr (kDecay == 1) gi = __builtin_fmaf(p[i], c.weightDecay, gi);
    const float mi = m[i];
    const float diff = gi - mi;
    m[i] = kSmallWeight ? __builtin_fmaf(c.lerpWeight, diff, mi) : __builtin_fmaf(c.lerpWeightMinusOne, diff, gi);
    const float vi = __builtin_fmaf(c.sqCoeff * gi, gi, v[i] * c.beta2);
    v[i] = vi;
    if constexpr (kAmsgrad) {
      const float old = vmax[i];
      vmax[i] = (old != old) ? old : (vi != vi) ? vi : (old > vi ? old : vi);
    }
  }
}

// param of [begin, end) from exp_avg and root = sqrt(exp_avg_sq or max_exp_avg_sq) (root[0] is element begin).
template <int kDecay>
__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=off"))) void adamParam(
    float* __restrict p, const float* __restrict m, const float* __restrict root, int64_t begin, int64_t end, const AdamConsts c) {
  for (int64_t i = begin; i < end; ++i) {
    float pi = p[i];
    if constexpr (kDecay == 2) pi = pi * c.decayScale;
    const float denom = root[i - begin] / c.bc2Sqrt + c.eps;
    p[i] = pi + c.negStepSize * m[i] / denom;
  }
}

using MomentsLoop = void (*)(const float*, const float*, float*, float*, float*, int64_t, int64_t, AdamConsts);
using ParamLoop = void (*)(float*, const float*, const float*, int64_t, int64_t, AdamConsts);

template <bool kSmall, int kDecay>
MomentsLoop pickAms(bool amsgrad) { return amsgrad ? adamMoments<kSmall, kDecay, true> : adamMoments<kSmall, kDecay, false>; }
template <bool kSmall>
MomentsLoop pickDecay(int decay, bool amsgrad) {
  return decay == 0 ? pickAms<kSmall, 0>(amsgrad) : decay == 1 ? pickAms<kSmall, 1>(amsgrad) : pickAms<kSmall, 2>(amsgrad);
}

// Whether ATen's CPU kernels fuse their multiply-adds here (the blocked pass then equals them): x86 AVX2/AVX512.
bool blockedAdamExact() {
#if defined(__x86_64__)
  static const bool yes = [] {
    const std::string cap = at::get_cpu_capability();
    return cap == "AVX2" || cap == "AVX512";
  }();
  return yes;
#else
  return false;
#endif
}

// ATen on one thread for this object's lifetime (then the caller's count again, also when an exception leaves).
// ATen's sqrt is MKL's vsSqrt here, which splits even a 16K block across the threads: woken per block, they made
// the step 2.6x slower on 2 threads than on 1 (147 vs 57 us for a [512, 128] parameter, 1350 vs 781 us for
// [1024, 784]; PyTorch's own sequence takes 87 and 833 us on 2 threads). The step is memory-bound: one thread
// comes close to the bandwidth.
struct OneThread {
  const int threads = at::get_num_threads();
  OneThread() {
    if (threads > 1) at::set_num_threads(1);
  }
  ~OneThread() {
    if (threads > 1) at::set_num_threads(threads);
  }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;
};

void adamBlocked(at::Tensor& param, const at::Tensor& grad, at::Tensor& expAvg, at::Tensor& expAvgSq, at::Tensor& maxExpAvgSq,
                 const AdamConsts& c, int decay, bool amsgrad) {
  const bool small = std::abs(c.lerpWeight) < 0.5f;
  MomentsLoop moments = small ? pickDecay<true>(decay, amsgrad) : pickDecay<false>(decay, amsgrad);
  ParamLoop update = decay == 2 ? adamParam<2> : adamParam<0>;
  float* p = param.data_ptr<float>();
  const float* g = grad.data_ptr<float>();
  float* m = expAvg.data_ptr<float>();
  float* v = expAvgSq.data_ptr<float>();
  float* vmax = amsgrad ? maxExpAvgSq.data_ptr<float>() : nullptr;
  float* rooted = amsgrad ? vmax : v;
  const int64_t n = param.numel();
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const auto options = at::TensorOptions().dtype(at::kFloat);
  const OneThread oneThread;
  std::vector<float> scratch(static_cast<size_t>(std::min(kBlock, n)));
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t begin = blk * kBlock;
    const int64_t end = std::min(n, begin + kBlock);
    moments(p, g, m, v, vmax, begin, end, c);
    at::Tensor root = at::from_blob(scratch.data(), {end - begin}, options);
    at::sqrt_out(root, at::from_blob(rooted + begin, {end - begin}, options));
    update(p, m, scratch.data(), begin, end, c);
  }
}
}  // namespace

napi_value AdamStep(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const double lr = a[5], beta1 = a[6], beta2 = a[7], eps = a[8], weightDecay = a[9];
    const bool decoupled = a[10] != 0, amsgrad = a[11] != 0;
    const double step = a[12];
    const auto exclusive = static_cast<int64_t>(a[13]);  // bit k: input k is not shared on the JS side
    const bool reference = a[14] != 0;                   // 1: the ATen kernel sequence (tests compare both)
    auto mine = [&](int k) { return (exclusive >> k & 1) != 0; };
    at::Tensor param = writable(a[0], mine(0));
    at::Tensor grad = tensor(a[1]).contiguous();  // one copy when it is a view, instead of strided passes
    // State starts as zeros (torch.zeros_like(p, memory_format=torch.preserve_format)).
    auto state = [&](int k) { return a[k] >= 0 ? writable(a[k], mine(k)) : at::zeros_like(param, at::MemoryFormat::Contiguous); };
    at::Tensor expAvg = state(2);
    at::Tensor expAvgSq = state(3);
    at::Tensor maxExpAvgSq = amsgrad ? state(4) : at::Tensor();
    const double biasCorrection1 = 1 - std::pow(beta1, step);
    const double biasCorrection2 = 1 - std::pow(beta2, step);
    const double stepSize = lr / biasCorrection1;
    const double biasCorrection2Sqrt = std::pow(biasCorrection2, 0.5);
    const bool blocked = !reference && blockedAdamExact() && param.device().is_cpu() && param.scalar_type() == at::kFloat &&
                         grad.scalar_type() == at::kFloat && grad.sizes() == param.sizes();
    if (blocked) {
      const double lerpWeight = 1 - beta1;
      AdamConsts c{};
      c.lerpWeight = static_cast<float>(lerpWeight);
      c.lerpWeightMinusOne = c.lerpWeight - 1.0f;
      c.beta2 = static_cast<float>(beta2);
      c.sqCoeff = static_cast<float>(1 - beta2);
      c.bc2Sqrt = static_cast<float>(biasCorrection2Sqrt);
      c.eps = static_cast<float>(eps);
      c.negStepSize = static_cast<float>(-stepSize);
      c.weightDecay = static_cast<float>(weightDecay);
      c.decayScale = static_cast<float>(1 - lr * weightDecay);
      const int decay = weightDecay == 0 ? 0 : decoupled ? 2 : 1;
      adamBlocked(param, grad, expAvg, expAvgSq, maxExpAvgSq, c, decay, amsgrad);
    } else {
      if (weightDecay != 0) {
        if (decoupled) param.mul_(1 - lr * weightDecay);
        else grad = grad.add(param, weightDecay);
      }
      expAvg.lerp_(grad, 1 - beta1);
      expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      at::Tensor denom;
      if (amsgrad) {
        at::maximum_out(maxExpAvgSq, maxExpAvgSq, expAvgSq);
        denom = (maxExpAvgSq.sqrt() / biasCorrection2Sqrt).add_(eps);
      } else {
        denom = (expAvgSq.sqrt() / biasCorrection2Sqrt).add_(eps);
      }
      param.addcdiv_(expAvg, denom, -stepSize);
    }
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
    const bool reference = a[3] != 0;  // 1: the ATen composition (nll_loss, one_hot; tests compare both)
    if (logits.dim() != 2 || target.dim() != 1 || target.size(0) != logits.size(0)) {
      throw std::runtime_error("TwinmlSoftmaxCrossEntropy: expected logits [N, C] and target [N]");
    }
    // log_softmax and exp are ATen's (their vectorized exp/log are not the correctly rounded ones); the rest is
    // one loop over the rows with nll_loss's and the previous one-hot formulation's exact results:
    // loss = -logp[t] (0 where ignored), grad = (exp(logp) - onehot) * valid, count = valid rows.
    at::Tensor logp = at::_log_softmax(logits, 1, false).contiguous();
    at::Tensor grad = logp.exp().contiguous();
    if (reference || !grad.device().is_cpu() || grad.scalar_type() != at::kFloat) {
      at::Tensor t = target.to(at::kLong);
      at::Tensor loss = at::nll_loss(logp, t, {}, at::Reduction::None, ignoreIndex);
      at::Tensor valid = t.ne(ignoreIndex);
      at::Tensor safe = t.masked_fill(valid.logical_not(), 0);
      at::Tensor onehot = at::one_hot(safe, logits.size(1)).to(logits.scalar_type());
      grad = grad.sub(onehot).mul(valid.unsqueeze(1));
      at::Tensor count = valid.sum().to(logits.scalar_type());
      metaBegin();
      emit(loss);
      emit(grad);
      emit(count);
      return num(env, 0);
    }
    at::Tensor t = target.to(at::kLong).contiguous();
    const int64_t n = logits.size(0), classes = logits.size(1);
    at::Tensor loss = at::empty({n}, logp.options());
    const int64_t* ti = t.data_ptr<int64_t>();
    const float* lp = logp.data_ptr<float>();
    float* g = grad.data_ptr<float>();
    float* l = loss.data_ptr<float>();
    int64_t valid = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = ti[i];
      float* row = g + i * classes;
      if (k == ignoreIndex) {
        // (exp - onehot(0)) * 0: the composition's one-hot of an ignored row marks class 0 (hence -0 there).
        l[i] = 0.0f;
        if (classes > 0) row[0] = row[0] - 1.0f;
        for (int64_t j = 0; j < classes; ++j) row[j] = row[j] * 0.0f;
        continue;
      }
      if (k < 0 || k >= classes) {
        throw std::runtime_error("TwinmlSoftmaxCrossEntropy: target " + std::to_string(k) + " is out of bounds (classes 0.." +
                                 std::to_string(classes - 1) + ", ignore_index " + std::to_string(ignoreIndex) + ")");
      }
      l[i] = -lp[i * classes + k];
      row[k] = row[k] - 1.0f;
      ++valid;
    }
    metaBegin();
    emit(loss);
    emit(grad);
    emit(at::scalar_tensor(static_cast<double>(valid), logp.options()));
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

// channelsLast: [x [N,C,H,W]] -> the same values as a channels_last tensor whose strides say so. A tfjs NHWC tensor
// viewed as NCHW is channels_last in memory, but with C == 1 (or H == W == 1) its strides are ambiguous and ATen
// takes it for NCHW: the first convolution of a grayscale CNN then runs, and hands on, NCHW activations, and every
// pooling after it runs ATen's NCHW max-pool kernel (3-10x slower than its channels_last one here). Only a view:
// a tensor whose memory is not channels_last is returned as it is.
napi_value ChannelsLast(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& x = tensor(a[0]);
    metaBegin();
    if (x.dim() != 4 || x.suggest_memory_format() == at::MemoryFormat::ChannelsLast) {
      emit(x);
      return num(env, 0);
    }
    if (!x.is_contiguous(at::MemoryFormat::ChannelsLast)) {
      // NCHW memory (e.g. an NCHW input transposed to NHWC by tfjs): ATen runs it NCHW, as PyTorch does with that
      // input (the same convolution algorithm and rounding); a copy here would change both.
      emit(x);
      return num(env, 0);
    }
    const auto s = x.sizes();
    emit(x.as_strided(s, {s[1] * s[2] * s[3], 1, s[3] * s[1], s[1]}));
    return num(env, 0);
  });
}


// ---- max pooling on NHWC with non-overlapping windows (kernel == stride, no padding) ------------------------------
//
// tfjs's NHWC tensor is pooled as it lies (no view, no ATen channels_last kernel): per output pixel one pass over the
// window's kh*kw input pixels, channels innermost. The maximum and its position follow ATen's max_pool2d kernels:
// the window is scanned row by row, a value replaces the maximum when it is greater or NaN (so NaN wins and the
// first of equal maxima is kept), -inf start. The position in the window (one byte) is kept for the gradient,
// which writes every input pixel once: 0 + dy at the window's argmax (ATen's zero-filled `+=`), 0 elsewhere.
namespace {
struct PoolGeometry {
  int64_t n, h, w, c, kh, kw, ho, wo;
};

PoolGeometry poolGeometry(const at::Tensor& x, int64_t kh, int64_t kw) {
  if (x.dim() != 4) throw std::runtime_error("twinml torch maxPoolNhwc: expected an NHWC tensor, got rank " + std::to_string(x.dim()));
  PoolGeometry g{x.size(0), x.size(1), x.size(2), x.size(3), kh, kw, 0, 0};
  if (kh < 1 || kw < 1 || kh * kw > 255 || kh > g.h || kw > g.w) {
    throw std::runtime_error("twinml torch maxPoolNhwc: window " + std::to_string(kh) + "x" + std::to_string(kw) + " does not fit " +
                             std::to_string(g.h) + "x" + std::to_string(g.w));
  }
  g.ho = g.h / kh;
  g.wo = g.w / kw;
  return g;
}

// One output pixel's channels [c0, c1) (scalar; every host).
inline void poolForwardPixel(const float* x0, int64_t rowStride, float* ym, uint8_t* im, const PoolGeometry& g, int64_t c0) {
  for (int64_t ch = c0; ch < g.c; ++ch) {
    float m = -std::numeric_limits<float>::infinity();
    uint8_t at = 0, k = 0;
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j, ++k) {
        const float v = x0[i * rowStride + j * g.c + ch];
        if (v > m || v != v) {
          m = v;
          at = k;
        }
      }
    }
    ym[ch] = m;
    im[ch] = at;
  }
}

inline void poolBackwardPixel(const float* d, const uint8_t* im, float* dx0, int64_t rowStride, const PoolGeometry& g, int64_t c0) {
  uint8_t k = 0;
  for (int64_t i = 0; i < g.kh; ++i) {
    for (int64_t j = 0; j < g.kw; ++j, ++k) {
      float* xv = dx0 + i * rowStride + j * g.c;
      for (int64_t ch = c0; ch < g.c; ++ch) xv[ch] = im[ch] == k ? 0.0f + d[ch] : 0.0f;
    }
  }
}

#if defined(__x86_64__)
// Eight channels at a time with AVX2 (the same comparisons and results as the scalar loops), the rest scalar.
__attribute__((target("avx2"))) int64_t poolForwardPixelAvx2(const float* x0, int64_t rowStride, float* ym, uint8_t* im, const PoolGeometry& g) {
  int64_t ch = 0;
  for (; ch + 8 <= g.c; ch += 8) {
    __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256 at = _mm256_setzero_ps();
    int k = 0;
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j, ++k) {
        const __m256 v = _mm256_loadu_ps(x0 + i * rowStride + j * g.c + ch);
        const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        m = _mm256_blendv_ps(m, v, take);
        at = _mm256_blendv_ps(at, _mm256_castsi256_ps(_mm256_set1_epi32(k)), take);
      }
    }
    _mm256_storeu_ps(ym + ch, m);
    const __m256i ai = _mm256_castps_si256(at);
    const __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128(ai), _mm256_extracti128_si256(ai, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(im + ch), _mm_packus_epi16(p16, p16));
  }
  return ch;
}

__attribute__((target("avx2"))) int64_t poolBackwardPixelAvx2(const float* d, const uint8_t* im, float* dx0, int64_t rowStride, const PoolGeometry& g) {
  int64_t ch = 0;
  const __m256 zero = _mm256_setzero_ps();
  for (; ch + 8 <= g.c; ch += 8) {
    const __m256i at = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(im + ch)));
    const __m256 value = _mm256_add_ps(zero, _mm256_loadu_ps(d + ch));
    int k = 0;
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j, ++k) {
        const __m256 hit = _mm256_castsi256_ps(_mm256_cmpeq_epi32(at, _mm256_set1_epi32(k)));
        _mm256_storeu_ps(dx0 + i * rowStride + j * g.c + ch, _mm256_and_ps(hit, value));
      }
    }
  }
  return ch;
}

#else
int64_t poolForwardPixelAvx2(const float*, int64_t, float*, uint8_t*, const PoolGeometry&) { return 0; }
int64_t poolBackwardPixelAvx2(const float*, const uint8_t*, float*, int64_t, const PoolGeometry&) { return 0; }
#endif

bool hasAvx2() {
#if defined(__x86_64__)
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
#else
  return false;
#endif
}

void poolForwardRows(const float* x, float* y, uint8_t* idx, const PoolGeometry& g, int64_t row0, int64_t row1) {
  const bool avx2 = hasAvx2();
  const int64_t rowStride = g.w * g.c;
  for (int64_t row = row0; row < row1; ++row) {  // row = n * ho + oh
    const int64_t n = row / g.ho, oh = row % g.ho;
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      const float* x0 = x + ((n * g.h + oh * g.kh) * g.w + ow * g.kw) * g.c;
      float* ym = y + (row * g.wo + ow) * g.c;
      uint8_t* im = idx + (row * g.wo + ow) * g.c;
      const int64_t done = avx2 ? poolForwardPixelAvx2(x0, rowStride, ym, im, g) : 0;
      poolForwardPixel(x0, rowStride, ym, im, g, done);
    }
  }
}

void poolBackwardRows(const float* dy, const uint8_t* idx, float* dx, const PoolGeometry& g, int64_t row0, int64_t row1) {
  const bool avx2 = hasAvx2();
  const int64_t rowStride = g.w * g.c;
  for (int64_t row = row0; row < row1; ++row) {
    const int64_t n = row / g.ho, oh = row % g.ho;
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      const float* d = dy + (row * g.wo + ow) * g.c;
      const uint8_t* im = idx + (row * g.wo + ow) * g.c;
      float* dx0 = dx + ((n * g.h + oh * g.kh) * g.w + ow * g.kw) * g.c;
      const int64_t done = avx2 ? poolBackwardPixelAvx2(d, im, dx0, rowStride, g) : 0;
      poolBackwardPixel(d, im, dx0, rowStride, g, done);
    }
  }
}

// The one-pass kernels run on CPU float32 tensors; others take ATen's kernels.
bool native(const at::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat; }

struct NhwcPoolEntry {
  c10::weak_intrusive_ptr<c10::StorageImpl> output;
  at::Tensor indices;
  std::vector<int64_t> key;
};
std::vector<NhwcPoolEntry> g_nhwc_pool_cache;

std::vector<int64_t> nhwcPoolKey(const PoolGeometry& g) { return {g.n, g.h, g.w, g.c, g.kh, g.kw}; }

int64_t rowGrain(const PoolGeometry& g) {
  return std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, g.wo * g.kh * g.kw * g.c));
}

// y and the window positions of x.
std::pair<at::Tensor, at::Tensor> poolForward(const at::Tensor& xIn, const PoolGeometry& g) {
  at::Tensor x = xIn.contiguous();
  at::Tensor y = at::empty({g.n, g.ho, g.wo, g.c}, x.options());
  at::Tensor idx = at::empty({g.n, g.ho, g.wo, g.c}, x.options().dtype(at::kByte));
  const float* xp = x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  uint8_t* ip = idx.data_ptr<uint8_t>();
  at::parallel_for(0, g.n * g.ho, rowGrain(g), [&](int64_t r0, int64_t r1) { poolForwardRows(xp, yp, ip, g, r0, r1); });
  return {y, idx};
}
}  // namespace

// maxPoolNhwc: [x [N,H,W,C] float32 CPU, kh, kw] (stride = kernel, no padding) -> y [N,H/kh,W/kw,C]
napi_value MaxPoolNhwc(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& x = tensor(a[0]);
    const PoolGeometry g = poolGeometry(x, static_cast<int64_t>(a[1]), static_cast<int64_t>(a[2]));
    at::Tensor y, idx;
    if (native(x)) {
      std::tie(y, idx) = poolForward(x, g);
    } else {  // other devices and dtypes: ATen's kernel on the NCHW view (int64 indices)
      auto [out, indices] = at::max_pool2d_with_indices(x.permute({0, 3, 1, 2}), {g.kh, g.kw}, {g.kh, g.kw}, {0, 0}, {1, 1}, false);
      y = out.permute({0, 2, 3, 1});
      idx = indices;
    }
    std::erase_if(g_nhwc_pool_cache, [](const NhwcPoolEntry& e) { return e.output.expired(); });
    if (g_nhwc_pool_cache.size() >= kPoolCacheSize) g_nhwc_pool_cache.erase(g_nhwc_pool_cache.begin());
    g_nhwc_pool_cache.push_back({y.storage().getWeakStorageImpl(), idx, nhwcPoolKey(g)});
    metaBegin();
    emit(y);
    return num(env, 0);
  });
}

// maxPoolNhwcGrad: [dy [N,Ho,Wo,C], x [N,H,W,C], kh, kw, output id | -1] -> dx [N,H,W,C], with the window
// positions maxPoolNhwc kept for that output, else recomputed from x.
napi_value MaxPoolNhwcGrad(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    at::Tensor dy = tensor(a[0]).contiguous();
    const at::Tensor& x = tensor(a[1]);
    const PoolGeometry g = poolGeometry(x, static_cast<int64_t>(a[2]), static_cast<int64_t>(a[3]));
    if (dy.dim() != 4 || dy.size(0) != g.n || dy.size(1) != g.ho || dy.size(2) != g.wo || dy.size(3) != g.c) {
      throw std::runtime_error("twinml torch maxPoolNhwcGrad: dy does not have the pooled shape of x");
    }
    at::Tensor idx;
    if (a[4] >= 0) {
      const c10::StorageImpl* storage = tensor(a[4]).storage().unsafeGetStorageImpl();
      const auto key = nhwcPoolKey(g);
      for (const auto& e : g_nhwc_pool_cache) {
        auto alive = e.output.lock();
        if (alive && alive.get() == storage && e.key == key) {
          idx = e.indices;
          break;
        }
      }
    }
    if (!native(x) || !native(dy)) {
      const std::vector<int64_t> k{g.kh, g.kw}, pad{0, 0}, dil{1, 1};
      at::Tensor xn = x.permute({0, 3, 1, 2});
      if (!idx.defined() || idx.scalar_type() != at::kLong) idx = std::get<1>(at::max_pool2d_with_indices(xn, k, k, pad, dil, false));
      at::Tensor dxn = at::max_pool2d_with_indices_backward(dy.permute({0, 3, 1, 2}), xn, k, k, pad, dil, false, idx);
      metaBegin();
      emit(dxn.permute({0, 2, 3, 1}));
      return num(env, 0);
    }
    if (!idx.defined() || idx.scalar_type() != at::kByte) idx = poolForward(x, g).second;
    const bool covered = g.ho * g.kh == g.h && g.wo * g.kw == g.w;
    at::Tensor dx = covered ? at::empty({g.n, g.h, g.w, g.c}, dy.options()) : at::zeros({g.n, g.h, g.w, g.c}, dy.options());
    const float* dyp = dy.data_ptr<float>();
    const uint8_t* ip = idx.data_ptr<uint8_t>();
    float* dxp = dx.data_ptr<float>();
    at::parallel_for(0, g.n * g.ho, rowGrain(g), [&](int64_t r0, int64_t r1) { poolBackwardRows(dyp, ip, dxp, g, r0, r1); });
    metaBegin();
    emit(dx);
    return num(env, 0);
  });
}
