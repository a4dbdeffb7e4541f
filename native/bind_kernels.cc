// Bindings of the numerical kernels: fft2 and mft (async and sync), FFTW
// plans, wisdom and raw execution, GEMM timing, the MFT kernel cache.
#include <algorithm>
#include <chrono>
#include <complex>
#include <vector>

#include "args.h"
#include "bind.h"
#include "blas.h"
#include "fft.h"
#include "mft.h"
#include "promise_worker.h"

namespace airy {
namespace {

const std::initializer_list<const char*> kPlanners = {"estimate", "measure", "patient"};

fft::Effort planner(Napi::Object o, const std::string& ctx) {
  return static_cast<fft::Effort>(args::choice(o, "planner", ctx, kPlanners, 0));
}

// Runs `work` now (sync) or on the libuv pool (a Promise of `result`).
Napi::Value dispatch(Napi::Env env, bool async, const char* name, std::function<void()> work,
                     const std::vector<Napi::Value>& keep, Napi::Value result) {
  if (!async) {
    args::runSync(env, work);
    return result;
  }
  auto ref = std::make_shared<Napi::ObjectReference>(Napi::Persistent(result.As<Napi::Object>()));
  return PromiseWorker::start(
      env, name, [work](const PromiseWorker::Report&) { work(); }, [ref](Napi::Env) { return ref->Value(); },
      keep);
}

// fft2(data, { ny, nx, inverse, threads, planner }, out?)
Napi::Value Fft2(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  auto o = args::object(env, info[1], "options");
  const int ny = args::integer(o, "ny", "options", 1), nx = args::integer(o, "nx", "options", 1);
  auto in = args::floats(env, info[0], "data", 2 * static_cast<size_t>(ny) * nx);
  const bool inverse = args::flag(o, "inverse", "options");
  const int threads = args::integerOr(o, "threads", "options", 1, 1);
  const fft::Effort effort = planner(o, "options");
  void* outData = nullptr;
  auto out = args::outArray(env, info[2], in, in.length, &outData);
  void* inData = in.data;
  const bool single = in.single;
  auto work = [=] {
    if (single)
      fft::transform<float>(static_cast<const std::complex<float>*>(inData),
                            static_cast<std::complex<float>*>(outData), ny, nx, inverse, threads, effort);
    else
      fft::transform<double>(static_cast<const std::complex<double>*>(inData),
                             static_cast<std::complex<double>*>(outData), ny, nx, inverse, threads, effort);
  };
  return dispatch(env, async, "airy.fft2", work, {in.array}, out);
}

// mft(data, { ny, nx, real, npixY, npixX, nlamDY, nlamDX, centering, offsetY, offsetX, inverse }, out?)
Napi::Value Mft(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  auto o = args::object(env, info[1], "options");
  mft::Params p;
  p.npupY = args::integer(o, "ny", "options", 1);
  p.npupX = args::integer(o, "nx", "options", 1);
  const bool real = args::flag(o, "real", "options");
  p.npixY = args::integer(o, "npixY", "options", 1);
  p.npixX = args::integer(o, "npixX", "options", 1);
  p.nlamDY = args::num(o, "nlamDY", "options");
  p.nlamDX = args::num(o, "nlamDX", "options");
  if (p.nlamDY <= 0 || p.nlamDX <= 0) args::rangeError(env, "options.nlamDY and nlamDX must be positive");
  p.centering = static_cast<mft::Centering>(
      args::choice(o, "centering", "options", {"ADJUSTABLE", "SYMMETRIC", "FFTSTYLE"}, 0));
  p.offsetY = args::numOr(o, "offsetY", "options", 0);
  p.offsetX = args::numOr(o, "offsetX", "options", 0);
  p.inverse = args::flag(o, "inverse", "options");
  const size_t nin = static_cast<size_t>(p.npupY) * p.npupX * (real ? 1 : 2);
  auto in = args::floats(env, info[0], "data", nin);
  void* outData = nullptr;
  auto out = args::outArray(env, info[2], in, 2 * static_cast<size_t>(p.npixY) * p.npixX, &outData);
  void* inData = in.data;
  const bool single = in.single;
  auto work = [=] {
    if (single) {
      auto* y = static_cast<std::complex<float>*>(outData);
      if (real)
        mft::transformReal<float>(p, static_cast<const float*>(inData), y);
      else
        mft::transform<float>(p, static_cast<const std::complex<float>*>(inData), y);
    } else {
      auto* y = static_cast<std::complex<double>*>(outData);
      if (real)
        mft::transformReal<double>(p, static_cast<const double*>(inData), y);
      else
        mft::transform<double>(p, static_cast<const std::complex<double>*>(inData), y);
    }
  };
  return dispatch(env, async, "airy.mft", work, {in.array}, out);
}

// The transform an FFTW call names: { ny, nx, inverse, threads, planner, single }.
struct Transform {
  int ny, nx;
  bool inverse;
  int threads;
  fft::Effort effort;
  bool single;
};

Transform transformOf(Napi::Env env, Napi::Value v) {
  auto o = args::object(env, v, "transform");
  return {args::integer(o, "ny", "transform", 1),
          args::integer(o, "nx", "transform", 1),
          args::flag(o, "inverse", "transform"),
          args::integerOr(o, "threads", "transform", 1, 1),
          planner(o, "transform"),
          args::flag(o, "single", "transform")};
}

// fftwPlan(transform) -> seconds spent planning
Napi::Value FftwPlan(const Napi::CallbackInfo& info) {
  const Transform t = transformOf(info.Env(), info[0]);
  double s = 0;
  args::runSync(info.Env(), [&] { s = fft::plan(t.ny, t.nx, t.inverse, t.threads, t.effort, t.single); });
  return Napi::Number::New(info.Env(), s);
}

// fftwHasWisdom(transform) -> bool
Napi::Value FftwHasWisdom(const Napi::CallbackInfo& info) {
  const Transform t = transformOf(info.Env(), info[0]);
  bool r = false;
  args::runSync(info.Env(),
                [&] { r = fft::hasWisdom(t.ny, t.nx, t.inverse, t.threads, t.effort, t.single); });
  return Napi::Boolean::New(info.Env(), r);
}

// fftwRawExecute(data, transform, out, iterations) -> median seconds
Napi::Value FftwRawExecute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Transform t = transformOf(env, info[1]);
  auto in = args::floats(env, info[0], "data", 2 * static_cast<size_t>(t.ny) * t.nx);
  if (!info[2].IsTypedArray()) args::typeError(env, "`out` is required");
  void* outData = nullptr;
  args::outArray(env, info[2], in, in.length, &outData);
  if (!info[3].IsNumber() || info[3].As<Napi::Number>().Int32Value() < 1)
    args::rangeError(env, "`iterations` must be a positive integer");
  const int iters = info[3].As<Napi::Number>().Int32Value();
  double s = 0;
  args::runSync(env, [&] {
    if (in.single)
      s = fft::rawExecute<float>(static_cast<const std::complex<float>*>(in.data),
                                 static_cast<std::complex<float>*>(outData), t.ny, t.nx, t.inverse, t.threads,
                                 t.effort, iters);
    else
      s = fft::rawExecute<double>(static_cast<const std::complex<double>*>(in.data),
                                  static_cast<std::complex<double>*>(outData), t.ny, t.nx, t.inverse,
                                  t.threads, t.effort, iters);
  });
  return Napi::Number::New(env, s);
}

Napi::Value FftwExportWisdom(const Napi::CallbackInfo& info) {
  std::string s;
  args::runSync(info.Env(), [&] { s = fft::exportWisdom(); });
  return Napi::String::New(info.Env(), s);
}

Napi::Value FftwImportWisdom(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) args::typeError(info.Env(), "`wisdom` must be a string");
  return Napi::Boolean::New(info.Env(), fft::importWisdom(info[0].As<Napi::String>().Utf8Value()));
}

Napi::Value FftwMarkWisdomSaved(const Napi::CallbackInfo& info) {
  fft::markWisdomSaved();
  return info.Env().Undefined();
}

Napi::Value FftwForget(const Napi::CallbackInfo& info) {
  fft::forget();
  return info.Env().Undefined();
}

// gemmBench({ m, n, k, single, iterations }) -> median seconds of one complex GEMM
Napi::Value GemmBench(const Napi::CallbackInfo& info) {
  auto o = args::object(info.Env(), info[0], "options");
  const int m = args::integer(o, "m", "options", 1), n = args::integer(o, "n", "options", 1);
  const int k = args::integer(o, "k", "options", 1);
  const bool single = args::flag(o, "single", "options");
  const int iters = args::integer(o, "iterations", "options", 1);
  std::vector<double> times;
  args::runSync(info.Env(), [&] {
    auto run = [&](auto zero) {
      using R = decltype(zero);
      AlignedBuffer<std::complex<R>> a(size_t(m) * k), b(size_t(k) * n), c(size_t(m) * n);
      for (size_t i = 0; i < a.size(); ++i) a.data()[i] = {R(i % 5) * R(0.1), R(i % 3)};
      for (size_t i = 0; i < b.size(); ++i) b.data()[i] = {R(i % 7), R(i % 2) * R(0.5)};
      for (int i = 0; i < iters; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        blas::gemm<R>(m, n, k, a.data(), b.data(), c.data());
        auto t1 = std::chrono::steady_clock::now();
        times.push_back(std::chrono::duration<double>(t1 - t0).count());
      }
    };
    if (single)
      run(0.0f);
    else
      run(0.0);
  });
  std::sort(times.begin(), times.end());
  return Napi::Number::New(info.Env(), times[times.size() / 2]);
}

Napi::Value MftCacheStats(const Napi::CallbackInfo& info) {
  auto s = mft::cacheStats();
  auto o = Napi::Object::New(info.Env());
  o.Set("entries", static_cast<double>(s.entries));
  o.Set("bytes", static_cast<double>(s.bytes));
  o.Set("hits", static_cast<double>(s.hits));
  o.Set("misses", static_cast<double>(s.misses));
  return o;
}

Napi::Value MftClearCache(const Napi::CallbackInfo& info) {
  mft::clearCache();
  return info.Env().Undefined();
}

}  // namespace

void bindKernels(Napi::Env env, Napi::Object exports) {
  exportFn(env, exports, "fft2", [](const Napi::CallbackInfo& i) { return Fft2(i, true); });
  exportFn(env, exports, "fft2Sync", [](const Napi::CallbackInfo& i) { return Fft2(i, false); });
  exportFn(env, exports, "mft", [](const Napi::CallbackInfo& i) { return Mft(i, true); });
  exportFn(env, exports, "mftSync", [](const Napi::CallbackInfo& i) { return Mft(i, false); });
  exportFn(env, exports, "fftwPlan", FftwPlan);
  exportFn(env, exports, "fftwHasWisdom", FftwHasWisdom);
  exportFn(env, exports, "fftwRawExecute", FftwRawExecute);
  exportFn(env, exports, "fftwExportWisdom", FftwExportWisdom);
  exportFn(env, exports, "fftwImportWisdom", FftwImportWisdom);
  exportFn(env, exports, "fftwMarkWisdomSaved", FftwMarkWisdomSaved);
  exportFn(env, exports, "fftwForget", FftwForget);
  exportFn(env, exports, "gemmBench", GemmBench);
  exportFn(env, exports, "mftCacheStats", MftCacheStats);
  exportFn(env, exports, "mftClearCache", MftClearCache);
}

}  // namespace airy
