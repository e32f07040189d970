// Fused kernels of twinml's `torch` backend: the optimizer steps and softmax cross-entropy.
//
// Optimizer steps: one addon call per parameter runs PyTorch's default
// (single-tensor, foreach=False) Adam/AdamW/SGD update as the same ATen kernels in the same order as
// torch/optim/adam.py `_single_tensor_adam` and torch/optim/sgd.py `_single_tensor_sgd`, with the same double
// scalars, so the update equals PyTorch's bit for bit on the same device. Out-of-place where PyTorch works in
// place (tfjs tensors are immutable): `x.op(...)` and `x.op_(...)` run the same kernel.
//
// Arguments are read from the shared Float64Array (addon.cc); outputs are described in meta as for `call`.
//   adamStep: [param, grad, expAvg|-1, expAvgSq|-1, maxExpAvgSq|-1, lr, beta1, beta2, eps, weightDecay,
//              decoupled(0/1), amsgrad(0/1), step]  -> param, expAvg, expAvgSq(, maxExpAvgSq)
//   sgdStep:  [param, grad, momentumBuffer|-1, lr, momentum, dampening, weightDecay, nesterov(0/1)]
//              -> param(, momentumBuffer when momentum != 0)
//   crossEntropy: [logits [N, C], target [N] int32, ignoreIndex] -> loss [N] (log_softmax + nll_loss, reduction
//              none, as torch.nn.functional.cross_entropy), grad [N, C] = softmax - onehot (0 rows where ignored),
//              count [] (rows not ignored, float32)
#include <node_api.h>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>

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

napi_value AdamStep(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& param0 = tensor(a[0]);
    const at::Tensor& grad0 = tensor(a[1]);
    const double lr = a[5], beta1 = a[6], beta2 = a[7], eps = a[8], weightDecay = a[9];
    const bool decoupled = a[10] != 0, amsgrad = a[11] != 0;
    const double step = a[12];
    at::Tensor param = param0;
    at::Tensor grad = grad0;
    if (weightDecay != 0) {
      if (decoupled) param = param0.mul(1 - lr * weightDecay);
      else grad = grad0.add(param0, weightDecay);
    }
    // State starts as zeros (torch.zeros_like(p, memory_format=torch.preserve_format)).
    at::Tensor expAvg = a[2] >= 0 ? tensor(a[2]) : at::zeros_like(param0);
    at::Tensor expAvgSq = a[3] >= 0 ? tensor(a[3]) : at::zeros_like(param0);
    at::Tensor m = expAvg.lerp(grad, 1 - beta1);
    at::Tensor v = expAvgSq.mul(beta2);
    v.addcmul_(grad, grad, 1 - beta2);
    const double biasCorrection1 = 1 - std::pow(beta1, step);
    const double biasCorrection2 = 1 - std::pow(beta2, step);
    const double stepSize = lr / biasCorrection1;
    const double biasCorrection2Sqrt = std::pow(biasCorrection2, 0.5);
    at::Tensor second = v;
    if (amsgrad) {
      at::Tensor maxPrev = a[4] >= 0 ? tensor(a[4]) : at::zeros_like(param0);
      second = at::maximum(maxPrev, v);
    }
    at::Tensor denom = second.sqrt().div(biasCorrection2Sqrt);
    denom.add_(eps);
    at::Tensor next = param.addcdiv(m, denom, -stepSize);
    metaBegin();
    emit(next);
    emit(m);
    emit(v);
    if (amsgrad) emit(second);
    return num(env, 0);
  });
}

napi_value SgdStep(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& param = tensor(a[0]);
    at::Tensor grad = tensor(a[1]);
    const double lr = a[3], momentum = a[4], dampening = a[5], weightDecay = a[6];
    const bool nesterov = a[7] != 0;
    if (weightDecay != 0) grad = grad.add(param, weightDecay);
    at::Tensor buf;
    if (momentum != 0) {
      if (a[2] >= 0) {
        buf = tensor(a[2]).mul(momentum);
        buf.add_(grad, 1 - dampening);
      } else {
        buf = grad.clone();
      }
      grad = nesterov ? grad.add(buf, momentum) : buf;
    }
    at::Tensor next = param.add(grad, -lr);
    metaBegin();
    emit(next);
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

// maxPoolGrad: [dy [N,C,Ho,Wo], x [N,C,H,W] (already padded with -inf), kh, kw, sh, sw] -> dx [N,C,H,W]:
// ATen's max_pool2d backward with the argmax indices recomputed from x (int64, kept native).
napi_value MaxPoolGrad(napi_env env, napi_callback_info) {
  return guard(env, [&] {
    const double* a = args();
    const at::Tensor& dy = tensor(a[0]);
    const at::Tensor& x = tensor(a[1]);
    std::vector<int64_t> kernel{static_cast<int64_t>(a[2]), static_cast<int64_t>(a[3])};
    std::vector<int64_t> stride{static_cast<int64_t>(a[4]), static_cast<int64_t>(a[5])};
    std::vector<int64_t> padding{0, 0}, dilation{1, 1};
    auto [out, indices] = at::max_pool2d_with_indices(x, kernel, stride, padding, dilation, false);
    at::Tensor dx = at::max_pool2d_with_indices_backward(dy, x, kernel, stride, padding, dilation, false, indices);
    metaBegin();
    emit(dx);
    return num(env, 0);
  });
}
