// Bindings that report what airy is linked to and runs on (BLAS, CPU, FFTW,
// CFITSIO), and the BLAS thread count.
#include "args.h"
#include "bind.h"
#include "blas.h"
#include "cpu.h"
#include "fft.h"
#include "fits.h"

namespace airy {
namespace {

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  const blas::Info& b = blas::info();
  auto o = Napi::Object::New(info.Env());
  o.Set("vendor", b.vendor);
  o.Set("version", b.version);
  o.Set("library", b.library);
  o.Set("threading", b.threading);
  o.Set("threads", b.threads);
  o.Set("threadsSettable", b.threadsSettable);
  o.Set("kernel", b.kernel);
  o.Set("config", b.config);
  o.Set("bundled", b.bundled);
  o.Set("threadsStarted", blas::threadsStarted());
  return o;
}

Napi::Value BlasSetThreads(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1)
    args::rangeError(info.Env(), "`threads` must be a positive integer");
  return Napi::Boolean::New(info.Env(), blas::setThreads(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Value CpuInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cpu::Info& c = cpu::info();
  auto o = Napi::Object::New(env);
  o.Set("vendor", c.vendor);
  o.Set("model", c.model);
  auto f = Napi::Array::New(env, c.features.size());
  for (size_t i = 0; i < c.features.size(); ++i) f.Set(i, c.features[i]);
  o.Set("features", f);
  return o;
}

Napi::Value FftwInfo(const Napi::CallbackInfo& info) {
  auto s = fft::stats();
  auto o = Napi::Object::New(info.Env());
  o.Set("version", fft::version());
  o.Set("threadsAvailable", fft::threadsAvailable());
  o.Set("cachedPlans", static_cast<double>(s.cachedPlans));
  o.Set("plansCreated", static_cast<double>(s.plansCreated));
  o.Set("plansSinceWisdomSave", static_cast<double>(s.plansSinceWisdomSave));
  o.Set("threadsStarted", s.threadsStarted);
  return o;
}

Napi::Value CfitsioVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), fits::version());
}

}  // namespace

void bindInfo(Napi::Env env, Napi::Object exports) {
  exportFn(env, exports, "blasInfo", BlasInfo);
  exportFn(env, exports, "blasSetThreads", BlasSetThreads);
  exportFn(env, exports, "cpuInfo", CpuInfo);
  exportFn(env, exports, "fftwInfo", FftwInfo);
  exportFn(env, exports, "cfitsioVersion", CfitsioVersion);
}

}  // namespace airy
