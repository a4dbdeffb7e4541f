// N-API surface of the airy engine. Arguments arrive already validated by
// lib/ (TypeScript); the checks here are assertions that keep a bad call from
// crashing the process. Long work runs in AsyncWorkers that never touch N-API
// inside Execute; errors travel back as data (code + message).

#include <napi.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <cstring>
#include <cmath>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <atomic>
#include <mutex>
#include <vector>

#include "blas.h"
#include "common.h"
#include "cpu.h"
#include "fft.h"
#include "fits.h"
#include "mft.h"
#include "propagate.h"
#include "raster.h"
#include "forkrun.h"

namespace airy {
namespace {

// ---- argument helpers ------------------------------------------------------

[[noreturn]] void throwType(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}
[[noreturn]] void throwRange(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

int intArg(const Napi::CallbackInfo& info, size_t i, const char* name, int min = 1) {
  if (!info[i].IsNumber()) throwType(info.Env(), std::string("`") + name + "` must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v != std::floor(v) || v < min || v > 1 << 30)
    throwRange(info.Env(), std::string("`") + name + "` must be an integer >= " +
                               std::to_string(min) + ", got " + std::to_string(v));
  return static_cast<int>(v);
}

double numArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throwType(info.Env(), std::string("`") + name + "` must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v)) throwRange(info.Env(), std::string("`") + name + "` must be finite");
  return v;
}

bool boolArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].IsBoolean() && info[i].As<Napi::Boolean>().Value();
}

struct ArrayArg {
  Napi::TypedArray array;
  void* data = nullptr;
  size_t length = 0;
  bool single = false;
};

ArrayArg arrayArg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t expected) {
  if (!info[i].IsTypedArray()) throwType(info.Env(), std::string("`") + name + "` must be a Float64Array or Float32Array");
  auto ta = info[i].As<Napi::TypedArray>();
  ArrayArg a;
  a.array = ta;
  if (ta.TypedArrayType() == napi_float64_array) {
    a.data = ta.As<Napi::Float64Array>().Data();
  } else if (ta.TypedArrayType() == napi_float32_array) {
    a.data = ta.As<Napi::Float32Array>().Data();
    a.single = true;
  } else {
    throwType(info.Env(), std::string("`") + name + "` must be a Float64Array or Float32Array");
  }
  a.length = ta.ElementLength();
  if (a.length != expected)
    throwRange(info.Env(), std::string("`") + name + "` has " + std::to_string(a.length) +
                               " elements, expected " + std::to_string(expected));
  return a;
}

Napi::TypedArray newArray(Napi::Env env, bool single, size_t n, void** data) {
  if (single) {
    auto a = Napi::Float32Array::New(env, n);
    *data = a.Data();
    return a;
  }
  auto a = Napi::Float64Array::New(env, n);
  *data = a.Data();
  return a;
}

// The caller's output array (argument i) if given, else a new one. A given
// array must match the input's precision and the output length, and must not
// share memory with the input (transforms are out of place).
Napi::TypedArray outArray(const Napi::CallbackInfo& info, size_t i, const ArrayArg& in, size_t n,
                          void** data) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull())
    return newArray(info.Env(), in.single, n, data);
  ArrayArg out = arrayArg(info, i, "out", n);
  if (out.single != in.single) throwType(info.Env(), "`out` must have the same precision as the input");
  auto* ib = static_cast<char*>(in.data);
  auto* ob = static_cast<char*>(out.data);
  size_t esz = in.single ? sizeof(float) : sizeof(double);
  if (ob < ib + in.length * esz && ib < ob + n * esz)
    throwRange(info.Env(), "`out` must not overlap the input");
  *data = out.data;
  return out.array;
}

Napi::Error toJsError(Napi::Env env, const std::string& code, const std::string& message) {
  auto e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

// Runs `fn` now (sync) and converts native errors into JS errors with a code.
template <typename F>
void runSync(Napi::Env env, F&& fn) {
  try {
    fn();
  } catch (const airy::Error& e) {
    throw toJsError(env, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throw toJsError(env, "ERR_AIRY_NO_MEMORY", "out of memory");
  } catch (const std::exception& e) {
    throw toJsError(env, "ERR_AIRY_NATIVE", e.what());
  }
}

// ---- async worker ----------------------------------------------------------

// Runs `fn` on a worker thread, turning native exceptions into code + message
// (N-API must not be touched there; the error is raised in OnOK).
template <typename F>
void capture(F&& fn, std::string& code, std::string& message) {
  try {
    fn();
  } catch (const airy::Error& e) {
    code = e.code();
    message = e.what();
  } catch (const std::bad_alloc&) {
    code = "ERR_AIRY_NO_MEMORY";
    message = "out of memory";
  } catch (const std::exception& e) {
    code = "ERR_AIRY_NATIVE";
    message = e.what();
  }
}

// Runs a closure on the libuv pool and settles a Promise with `result`.
// Inputs and the preallocated result are held by persistent references so the
// GC cannot free them while Execute reads and writes their memory.
class Worker : public Napi::AsyncWorker {
 public:
  Worker(Napi::Env env, std::function<void()> work, std::vector<Napi::Value> keep,
         Napi::Value result)
      : Napi::AsyncWorker(env, "airy.native"),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)) {
    for (auto& v : keep) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    result_ = Napi::Persistent(result.As<Napi::Object>());
  }

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { capture(work_, code_, message_); }
  void OnOK() override {
    if (!code_.empty())
      deferred_.Reject(toJsError(Env(), code_, message_).Value());
    else
      deferred_.Resolve(result_.Value());
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::vector<Napi::ObjectReference> refs_;
  Napi::ObjectReference result_;
  std::string code_, message_;
};

Napi::Value dispatch(const Napi::CallbackInfo& info, bool async, std::function<void()> work,
                     std::vector<Napi::Value> keep, Napi::Value result) {
  if (!async) {
    runSync(info.Env(), work);
    return result;
  }
  auto* w = new Worker(info.Env(), std::move(work), std::move(keep), result);
  auto p = w->promise();
  w->Queue();
  return p;
}

// ---- fft -------------------------------------------------------------------

// fft2(data, ny, nx, inverse, threads, effort)
Napi::Value Fft2(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  int ny = intArg(info, 1, "ny"), nx = intArg(info, 2, "nx");
  auto in = arrayArg(info, 0, "data", 2 * static_cast<size_t>(ny) * nx);
  bool inverse = boolArg(info, 3);
  int threads = intArg(info, 4, "threads");
  int effort = intArg(info, 5, "effort", 0);
  if (effort > 2) throwRange(env, "`effort` must be 0, 1 or 2");
  void* outData = nullptr;
  auto out = outArray(info, 6, in, in.length, &outData);
  void* inData = in.data;
  bool single = in.single;
  auto work = [=] {
    if (single)
      fft::transform<float>(static_cast<const std::complex<float>*>(inData),
                            static_cast<std::complex<float>*>(outData), ny, nx, inverse,
                            threads, static_cast<fft::Effort>(effort));
    else
      fft::transform<double>(static_cast<const std::complex<double>*>(inData),
                             static_cast<std::complex<double>*>(outData), ny, nx, inverse,
                             threads, static_cast<fft::Effort>(effort));
  };
  return dispatch(info, async, work, {in.array}, out);
}

// ---- mft -------------------------------------------------------------------

// mft(data, ny, nx, real, npixY, npixX, nlamDY, nlamDX, centering, offY, offX, inverse)
Napi::Value Mft(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  mft::Params p;
  p.npupY = intArg(info, 1, "ny");
  p.npupX = intArg(info, 2, "nx");
  bool real = boolArg(info, 3);
  p.npixY = intArg(info, 4, "npixY");
  p.npixX = intArg(info, 5, "npixX");
  p.nlamDY = numArg(info, 6, "nlamDY");
  p.nlamDX = numArg(info, 7, "nlamDX");
  if (p.nlamDY <= 0 || p.nlamDX <= 0) throwRange(env, "`nlamD` must be positive");
  int c = intArg(info, 8, "centering", 0);
  if (c > 2) throwRange(env, "`centering` must be 0, 1 or 2");
  p.centering = static_cast<mft::Centering>(c);
  p.offsetY = numArg(info, 9, "offsetY");
  p.offsetX = numArg(info, 10, "offsetX");
  p.inverse = boolArg(info, 11);
  size_t nin = static_cast<size_t>(p.npupY) * p.npupX * (real ? 1 : 2);
  auto in = arrayArg(info, 0, "data", nin);
  void* outData = nullptr;
  auto out = outArray(info, 12, in, 2 * static_cast<size_t>(p.npixY) * p.npixX, &outData);
  void* inData = in.data;
  bool single = in.single;
  auto work = [=] {
    if (single) {
      auto* o = static_cast<std::complex<float>*>(outData);
      if (real) mft::transformReal<float>(p, static_cast<const float*>(inData), o);
      else mft::transform<float>(p, static_cast<const std::complex<float>*>(inData), o);
    } else {
      auto* o = static_cast<std::complex<double>*>(outData);
      if (real) mft::transformReal<double>(p, static_cast<const double*>(inData), o);
      else mft::transform<double>(p, static_cast<const std::complex<double>*>(inData), o);
    }
  };
  return dispatch(info, async, work, {in.array}, out);
}

// ---- info and control ------------------------------------------------------

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const blas::Info& b = blas::info();
  auto o = Napi::Object::New(env);
  o.Set("vendor", b.vendor);
  o.Set("version", b.version);
  o.Set("library", b.library);
  o.Set("threading", b.threading);
  o.Set("threads", b.threads);
  o.Set("threadsSettable", b.threadsSettable);
  o.Set("kernel", b.kernel);
  o.Set("config", b.config);
  o.Set("threadsStarted", blas::threadsStarted());
  return o;
}

Napi::Value BlasSetThreads(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), blas::setThreads(intArg(info, 0, "threads")));
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
  Napi::Env env = info.Env();
  auto s = fft::stats();
  auto o = Napi::Object::New(env);
  o.Set("version", fft::version());
  o.Set("threadsAvailable", fft::threadsAvailable());
  o.Set("cachedPlans", static_cast<double>(s.cachedPlans));
  o.Set("plansCreated", static_cast<double>(s.plansCreated));
  o.Set("plansSinceWisdomSave", static_cast<double>(s.plansSinceWisdomSave));
  o.Set("threadsStarted", s.threadsStarted);
  return o;
}

Napi::Value FftwExportWisdom(const Napi::CallbackInfo& info) {
  std::string s;
  runSync(info.Env(), [&] { s = fft::exportWisdom(); });
  return Napi::String::New(info.Env(), s);
}

Napi::Value FftwImportWisdom(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throwType(info.Env(), "`wisdom` must be a string");
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

// fftwPlan(ny, nx, inverse, threads, effort, single) -> seconds spent planning
Napi::Value FftwPlan(const Napi::CallbackInfo& info) {
  int ny = intArg(info, 0, "ny"), nx = intArg(info, 1, "nx");
  bool inverse = boolArg(info, 2);
  int threads = intArg(info, 3, "threads");
  int effort = intArg(info, 4, "effort", 0);
  bool single = boolArg(info, 5);
  double s = 0;
  runSync(info.Env(), [&] { s = fft::plan(ny, nx, inverse, threads, static_cast<fft::Effort>(effort), single); });
  return Napi::Number::New(info.Env(), s);
}

// fftwHasWisdom(ny, nx, inverse, threads, effort, single) -> bool
Napi::Value FftwHasWisdom(const Napi::CallbackInfo& info) {
  int ny = intArg(info, 0, "ny"), nx = intArg(info, 1, "nx");
  bool inverse = boolArg(info, 2);
  int threads = intArg(info, 3, "threads");
  int effort = intArg(info, 4, "effort", 0);
  bool single = boolArg(info, 5);
  bool r = false;
  runSync(info.Env(), [&] {
    r = fft::hasWisdom(ny, nx, inverse, threads, static_cast<fft::Effort>(effort), single);
  });
  return Napi::Boolean::New(info.Env(), r);
}

// fftwRawExecute(data, ny, nx, inverse, threads, effort, out, iterations) -> median s
Napi::Value FftwRawExecute(const Napi::CallbackInfo& info) {
  int ny = intArg(info, 1, "ny"), nx = intArg(info, 2, "nx");
  auto in = arrayArg(info, 0, "data", 2 * static_cast<size_t>(ny) * nx);
  bool inverse = boolArg(info, 3);
  int threads = intArg(info, 4, "threads");
  int effort = intArg(info, 5, "effort", 0);
  if (effort > 2) throwRange(info.Env(), "`effort` must be 0, 1 or 2");
  if (!info[6].IsTypedArray()) throwType(info.Env(), "`out` is required");
  void* outData = nullptr;
  outArray(info, 6, in, in.length, &outData);
  int iters = intArg(info, 7, "iterations");
  double s = 0;
  runSync(info.Env(), [&] {
    if (in.single)
      s = fft::rawExecute<float>(static_cast<const std::complex<float>*>(in.data),
                                 static_cast<std::complex<float>*>(outData), ny, nx, inverse,
                                 threads, static_cast<fft::Effort>(effort), iters);
    else
      s = fft::rawExecute<double>(static_cast<const std::complex<double>*>(in.data),
                                  static_cast<std::complex<double>*>(outData), ny, nx, inverse,
                                  threads, static_cast<fft::Effort>(effort), iters);
  });
  return Napi::Number::New(info.Env(), s);
}

// gemmBench(m, n, k, single, iterations) -> median seconds of one complex GEMM
Napi::Value GemmBench(const Napi::CallbackInfo& info) {
  int m = intArg(info, 0, "m"), n = intArg(info, 1, "n"), k = intArg(info, 2, "k");
  bool single = boolArg(info, 3);
  int iters = intArg(info, 4, "iterations");
  std::vector<double> times;
  runSync(info.Env(), [&] {
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
    if (single) run(0.0f); else run(0.0);
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

Napi::Value MftSetCacheLimit(const Napi::CallbackInfo& info) {
  mft::setCacheLimit(static_cast<size_t>(numArg(info, 0, "bytes")));
  return info.Env().Undefined();
}

Napi::Value CfitsioVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), fits::version());
}


// ---- compiled optical systems ---------------------------------------------

double objNum(Napi::Object o, const char* key, const std::string& ctx) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), ctx + "." + key + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw Napi::RangeError::New(o.Env(), ctx + "." + key + " must be finite");
  return d;
}

int objInt(Napi::Object o, const char* key, const std::string& ctx, int min) {
  double d = objNum(o, key, ctx);
  if (d != std::floor(d) || d < min || d > (1 << 30))
    throw Napi::RangeError::New(o.Env(), ctx + "." + key + " must be an integer >= " + std::to_string(min));
  return static_cast<int>(d);
}

// Float64Array property of `o` with exactly n elements, or nullptr if absent.
Napi::Float64Array objArray(Napi::Object o, const char* key, const std::string& ctx, size_t n,
                            bool* present) {
  Napi::Value v = o.Get(key);
  *present = false;
  if (v.IsUndefined() || v.IsNull()) return Napi::Float64Array();
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(o.Env(), ctx + "." + key + " must be a Float64Array");
  auto a = v.As<Napi::Float64Array>();
  if (a.ElementLength() != n)
    throw Napi::RangeError::New(o.Env(), ctx + "." + key + " has " + std::to_string(a.ElementLength()) +
                                             " elements, expected " + std::to_string(n));
  *present = true;
  return a;
}

prop::Window windowOf(Napi::Object o, const std::string& ctx, int gridY, int gridX) {
  prop::Window w;
  w.y0 = objInt(o, "y0", ctx, 0);
  w.x0 = objInt(o, "x0", ctx, 0);
  w.ny = objInt(o, "ny", ctx, 0);
  w.nx = objInt(o, "nx", ctx, 0);
  if (w.y0 + w.ny > gridY || w.x0 + w.nx > gridX)
    throw Napi::RangeError::New(o.Env(), ctx + ": window exceeds the " + std::to_string(gridY) + "x" +
                                             std::to_string(gridX) + " grid");
  w.outside = {objNum(o, "outsideRe", ctx), objNum(o, "outsideIm", ctx)};
  return w;
}

class SystemWrap : public Napi::ObjectWrap<SystemWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeSystem",
                       {InstanceMethod("propagate", &SystemWrap::Propagate),
                        InstanceMethod("propagateSync", &SystemWrap::PropagateSync),
                        InstanceMethod("forkCompute", &SystemWrap::ForkCompute),
                        InstanceMethod("threadsCompute", &SystemWrap::ThreadsCompute),
                        InstanceMethod("dropScratch", &SystemWrap::DropScratch)});
  }

  // new NativeSystem({ npix, padded, pupilScale, normalize, steps: [...] }, { borrow? })
  // The mask arrays are copied, or with borrow: true used in place (the
  // arrays are then kept alive by this object, and every async call keeps
  // this object alive; worker processes borrow from a shared mapping so
  // that all of them read the same physical pages).
  explicit SystemWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SystemWrap>(info) {
    Napi::Env env = info.Env();
    const bool borrow = info.Length() > 1 && info[1].IsObject() &&
                        info[1].As<Napi::Object>().Get("borrow").ToBoolean().Value();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "system description must be an object");
    auto d = info[0].As<Napi::Object>();
    sys_ = std::make_shared<prop::System>();
    sys_->npix = objInt(d, "npix", "system", 1);
    sys_->padded = objInt(d, "padded", "system", 1);
    sys_->pupilScale = objNum(d, "pupilScale", "system");
    int norm = objInt(d, "normalize", "system", 0);
    if (norm > 3) throw Napi::RangeError::New(env, "system.normalize must be 0..3");
    sys_->normalize = static_cast<prop::Normalize>(norm);
    if (!d.Get("steps").IsArray()) throw Napi::TypeError::New(env, "system.steps must be an array");
    auto steps = d.Get("steps").As<Napi::Array>();
    sys_->steps.resize(steps.Length());
    for (uint32_t i = 0; i < steps.Length(); ++i) {
      const std::string ctx = "system.steps[" + std::to_string(i) + "]";
      if (!steps.Get(i).IsObject()) throw Napi::TypeError::New(env, ctx + " must be an object");
      auto so = steps.Get(i).As<Napi::Object>();
      prop::Step& st = sys_->steps[i];
      int kind = objInt(so, "kind", ctx, 0);
      if (kind > 2) throw Napi::RangeError::New(env, ctx + ".kind must be 0..2");
      st.kind = static_cast<prop::StepKind>(kind);
      if (st.kind == prop::StepKind::Detector) {
        st.npixY = objInt(so, "npixY", ctx, 1);
        st.npixX = objInt(so, "npixX", ctx, 1);
        st.pixelscale = objNum(so, "pixelscale", ctx);
      } else if (st.kind == prop::StepKind::Pupil && so.Get("mask").IsObject()) {
        auto mo = so.Get("mask").As<Napi::Object>();
        const int grid = i == 0 ? sys_->npix : sys_->padded;
        st.mask = windowOf(mo, ctx + ".mask", grid, grid);
        const size_t n = static_cast<size_t>(st.mask.ny) * st.mask.nx;
        bool has = false;
        auto amp = objArray(mo, "amp", ctx + ".mask", n, &has);
        if (has && borrow) {
          st.mask.amp = amp.Data();
          borrowed_.push_back(Napi::Persistent(amp.As<Napi::Object>()));
        } else if (has) {
          st.ampStore.assign(amp.Data(), amp.Data() + n);
          st.mask.amp = st.ampStore.data();
        }
        auto opd = objArray(mo, "opd", ctx + ".mask", n, &has);
        if (has && borrow) {
          st.mask.opd = opd.Data();
          borrowed_.push_back(Napi::Persistent(opd.As<Napi::Object>()));
        } else if (has) {
          st.opdStore.assign(opd.Data(), opd.Data() + n);
          st.mask.opd = st.opdStore.data();
        }
      }
    }
    runSync(env, [&] { sys_->prepare(); });
  }

 private:
  struct Call {
    prop::Wave wave;
    bool capture = false;
    double* out = nullptr;
    std::vector<Napi::Value> keep;
    Napi::Float64Array outArray;
  };

  // propagate(wavelength, tiltX, tiltY, imageMasks, fftThreads, effort, out, capture)
  // One wave from (wavelength, tiltX, tiltY, imageMasks); typed arrays it
  // points into are appended to `keep`.
  prop::Wave parseWave(Napi::Env env, Napi::Value wl, Napi::Value tx, Napi::Value ty, Napi::Value mv,
                       std::vector<Napi::Value>& keep, const std::string& at) {
    prop::Wave wave;
    auto num = [&](Napi::Value v, const char* name) {
      if (!v.IsNumber()) throwType(env, at + name + " must be a number");
      double d = v.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(d)) throwRange(env, at + name + " must be finite");
      return d;
    };
    wave.wavelength = num(wl, "wavelength");
    if (!(wave.wavelength > 0)) throwRange(env, at + "wavelength must be positive");
    wave.tiltX = num(tx, "tiltX");
    wave.tiltY = num(ty, "tiltY");
    if (!mv.IsArray()) throwType(env, at + "imageMasks must be an array");
    auto masks = mv.As<Napi::Array>();
    size_t nImage = 0;
    for (auto& st : sys_->steps) nImage += st.kind == prop::StepKind::Image;
    if (masks.Length() != nImage)
      throwRange(env, at + "imageMasks has " + std::to_string(masks.Length()) + " entries, expected " +
                          std::to_string(nImage));
    for (uint32_t i = 0; i < masks.Length(); ++i) {
      const std::string ctx = at + "imageMasks[" + std::to_string(i) + "]";
      if (!masks.Get(i).IsObject()) throwType(env, ctx + " must be an object");
      auto mo = masks.Get(i).As<Napi::Object>();
      prop::Window w = windowOf(mo, ctx, sys_->padded, sys_->padded);
      bool has = false;
      auto data = objArray(mo, "data", ctx, 2 * static_cast<size_t>(w.ny) * w.nx, &has);
      if (!has) {
        if (w.ny * w.nx != 0) throwType(env, ctx + ".data is required");
      } else {
        w.cpx = data.Data();
        keep.push_back(data);
      }
      wave.imageMasks.push_back(w);
    }
    return wave;
  }

  Call parse(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Call c;
    c.wave = parseWave(env, info[0], info[1], info[2], info[3], c.keep, "");
    c.wave.fftThreads = intArg(info, 4, "fftThreads");
    int effort = intArg(info, 5, "effort", 0);
    if (effort > 2) throwRange(env, "`effort` must be 0, 1 or 2");
    c.wave.effort = static_cast<fft::Effort>(effort);
    const prop::Step& det = sys_->steps.back();
    auto oa = info[6];
    if (!oa.IsTypedArray() || oa.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throwType(env, "`out` must be a Float64Array");
    c.outArray = oa.As<Napi::Float64Array>();
    if (c.outArray.ElementLength() != static_cast<size_t>(det.npixY) * det.npixX)
      throwRange(env, "`out` must have " + std::to_string(static_cast<size_t>(det.npixY) * det.npixX) + " elements");
    c.out = c.outArray.Data();
    c.keep.push_back(c.outArray);
    c.keep.push_back(info.This());  // borrowed arrays live as long as this object
    c.capture = boolArg(info, 7);
    return c;
  }

  // { kernelSeconds, totalSeconds, planes?: [{ kind, ny, nx, field }] }
  static Napi::Object timingObject(Napi::Env env, const prop::Timing& t,
                                   const std::vector<prop::Captured>* planes) {
    auto o = Napi::Object::New(env);
    o.Set("kernelSeconds", t.kernelSeconds);
    o.Set("totalSeconds", t.totalSeconds);
    if (planes) {
      auto arr = Napi::Array::New(env, planes->size());
      for (size_t i = 0; i < planes->size(); ++i) {
        const auto& c = (*planes)[i];
        auto po = Napi::Object::New(env);
        po.Set("kind", static_cast<int>(c.kind));
        po.Set("ny", c.ny);
        po.Set("nx", c.nx);
        auto f = Napi::Float64Array::New(env, 2 * c.field.size());
        std::memcpy(f.Data(), c.field.data(), sizeof(prop::cplx) * c.field.size());
        po.Set("field", f);
        arr.Set(static_cast<uint32_t>(i), po);
      }
      o.Set("planes", arr);
    }
    return o;
  }

  Napi::Value PropagateSync(const Napi::CallbackInfo& info) {
    Call c = parse(info);
    prop::Timing t;
    std::vector<prop::Captured> planes;
    if (c.capture) c.wave.capture = &planes;
    runSync(info.Env(), [&] { t = prop::propagate(*sys_, c.wave, c.out); });
    return timingObject(info.Env(), t, c.capture ? &planes : nullptr);
  }

  class PropWorker : public Napi::AsyncWorker {
   public:
    PropWorker(Napi::Env env, std::shared_ptr<prop::System> sys, Call c)
        : Napi::AsyncWorker(env, "airy.propagate"),
          deferred_(Napi::Promise::Deferred::New(env)),
          sys_(std::move(sys)),
          wave_(std::move(c.wave)),
          capture_(c.capture),
          out_(c.out) {
      for (auto& v : c.keep) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
      if (capture_) wave_.capture = &planes_;
    }
    Napi::Promise promise() { return deferred_.Promise(); }

   protected:
    void Execute() override {
      capture([this] { t_ = prop::propagate(*sys_, wave_, out_); }, code_, message_);
    }
    void OnOK() override {
      if (!code_.empty())
        deferred_.Reject(toJsError(Env(), code_, message_).Value());
      else
        deferred_.Resolve(timingObject(Env(), t_, capture_ ? &planes_ : nullptr));
    }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    Napi::Promise::Deferred deferred_;
    std::shared_ptr<prop::System> sys_;
    prop::Wave wave_;
    bool capture_;
    std::vector<prop::Captured> planes_;
    double* out_;
    std::vector<Napi::ObjectReference> refs_;
    prop::Timing t_;
    std::string code_, message_;
  };

  Napi::Value Propagate(const Napi::CallbackInfo& info) {
    Call c = parse(info);
    auto* w = new PropWorker(info.Env(), sys_, std::move(c));
    auto p = w->promise();
    w->Queue();
    return p;
  }

  // A Promise-returning worker that reports integers to an optional JS
  // callback as it goes (forkCompute, threadsCompute): it holds the system,
  // the waves, the JS values their memory belongs to, and the callback.
  class WaveWorker : public Napi::AsyncProgressQueueWorker<long> {
   public:
    WaveWorker(Napi::Env env, const char* name, std::shared_ptr<prop::System> sys,
               std::vector<prop::Wave> waves, int workers, std::vector<Napi::Value> keep,
               Napi::Function onProgress)
        : Napi::AsyncProgressQueueWorker<long>(env, name),
          deferred_(Napi::Promise::Deferred::New(env)),
          sys_(std::move(sys)),
          waves_(std::move(waves)),
          workers_(workers) {
      for (auto& v : keep) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
      if (!onProgress.IsEmpty()) progress_ = Napi::Persistent(onProgress);
    }
    Napi::Promise promise() { return deferred_.Promise(); }

   protected:
    void OnProgress(const long* data, size_t count) override {
      if (progress_.IsEmpty()) return;
      Napi::HandleScope scope(Env());
      for (size_t i = 0; i < count; ++i) progress_.Call({Napi::Number::New(Env(), static_cast<double>(data[i]))});
    }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

    Napi::Promise::Deferred deferred_;
    std::shared_ptr<prop::System> sys_;
    std::vector<prop::Wave> waves_;
    int workers_;
    std::string code_, message_;

   private:
    std::vector<Napi::ObjectReference> refs_;
    Napi::FunctionReference progress_;
  };

  // waves (info[0]: [{ wavelength, tiltX, tiltY, imageMasks }]) with the
  // planner effort of info[2]; the JS arrays they point into go to `keep`.
  std::vector<prop::Wave> parseWaves(const Napi::CallbackInfo& info, std::vector<Napi::Value>& keep) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throwType(env, "`waves` must be an array");
    auto arr = info[0].As<Napi::Array>();
    if (arr.Length() == 0) throwRange(env, "`waves` must not be empty");
    int effort = intArg(info, 2, "effort", 0);
    if (effort > 2) throwRange(env, "`effort` must be 0, 1 or 2");
    std::vector<prop::Wave> waves;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      const std::string at = "waves[" + std::to_string(i) + "].";
      if (!arr.Get(i).IsObject()) throwType(env, at + " must be an object");
      auto o = arr.Get(i).As<Napi::Object>();
      prop::Wave w = parseWave(env, o.Get("wavelength"), o.Get("tiltX"), o.Get("tiltY"), o.Get("imageMasks"), keep, at);
      w.effort = static_cast<fft::Effort>(effort);
      waves.push_back(std::move(w));
    }
    return waves;
  }

  // forkCompute(waves: [{ wavelength, tiltX, tiltY, imageMasks }], workers, effort,
  //             onProgress(i | -1-pid)) -> Promise<Float64Array (waves x pixels)>
  class ForkWorker : public WaveWorker {
   public:
    ForkWorker(Napi::Env env, std::shared_ptr<prop::System> sys, std::vector<prop::Wave> waves,
               int workers, std::vector<Napi::Value> keep, Napi::Function onProgress)
        : WaveWorker(env, "airy.fork", std::move(sys), std::move(waves), workers, std::move(keep),
                     onProgress) {}

   protected:
    void Execute(const ExecutionProgress& p) override {
      capture([&] {
        result_ = forkrun::run(*sys_, waves_, workers_, [&](long v) { p.Send(&v, 1); });
      }, code_, message_);
    }
    void OnOK() override {
      Napi::HandleScope scope(Env());
      if (!code_.empty()) {
        deferred_.Reject(toJsError(Env(), code_, message_).Value());
        return;
      }
      auto a = Napi::Float64Array::New(Env(), result_.psfs.size());
      std::memcpy(a.Data(), result_.psfs.data(), sizeof(double) * result_.psfs.size());
      deferred_.Resolve(a);
    }

   private:
    forkrun::Result result_;
  };

  Napi::Value ForkCompute(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<Napi::Value> keep;
    std::vector<prop::Wave> waves = parseWaves(info, keep);
    int workers = intArg(info, 1, "workers");
    keep.push_back(info.This());
    Napi::Function cb;
    if (info.Length() > 3 && info[3].IsFunction()) cb = info[3].As<Napi::Function>();
    auto* w = new ForkWorker(env, sys_, std::move(waves), workers, std::move(keep), cb);
    auto p = w->promise();
    w->Queue();
    return p;
  }

  // threadsCompute(waves, workers, effort, out: Float64Array (waves x pixels),
  //                cancel: Int32Array(1), onProgress(i)) -> Promise<{ kernelSeconds, totalSeconds }>
  // All wavelengths on `workers` native threads (this libuv thread and
  // workers - 1 more), each taking the next wavelength as it finishes; no
  // return to JavaScript between wavelengths. cancel[0] != 0 stops them
  // before their next wavelength.
  class ThreadsWorker : public WaveWorker {
   public:
    ThreadsWorker(Napi::Env env, std::shared_ptr<prop::System> sys, std::vector<prop::Wave> waves,
                  int workers, double* out, const int32_t* cancel, std::vector<Napi::Value> keep,
                  Napi::Function onProgress)
        : WaveWorker(env, "airy.threads", std::move(sys), std::move(waves), workers, std::move(keep),
                     onProgress),
          out_(out),
          cancel_(cancel) {}

   protected:
    void Execute(const ExecutionProgress& p) override {
      const prop::Step& det = sys_->steps.back();
      const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
      const int n = static_cast<int>(waves_.size());
      std::atomic<int> next{0};
      std::mutex m_;  // guards the error, the timings and progress sends
      auto lane = [&] {
        for (;;) {
          if (__atomic_load_n(cancel_, __ATOMIC_RELAXED) != 0) return;
          const int i = next.fetch_add(1);
          if (i >= n) return;
          std::string code, message;
          prop::Timing t;
          capture([&] { t = prop::propagate(*sys_, waves_[i], out_ + m * i); }, code, message);
          std::lock_guard<std::mutex> lock(m_);
          if (!code.empty()) {
            if (code_.empty()) {
              code_ = code;
              message_ = message;
              failed_ = i;
            }
            next.store(n);
            return;
          }
          kernel_ += t.kernelSeconds;
          total_ += t.totalSeconds;
          long v = i;
          p.Send(&v, 1);
        }
      };
      std::vector<std::thread> helpers;
      for (int k = 1; k < std::min(workers_, n); ++k) {
        try {
          helpers.emplace_back(lane);
        } catch (const std::system_error&) {
          break;  // no more threads to be had: the lanes that exist do the work
        }
      }
      lane();
      for (auto& h : helpers) h.join();
    }
    void OnOK() override {
      Napi::HandleScope scope(Env());
      if (!code_.empty()) {
        auto e = toJsError(Env(), code_, message_);
        e.Set("wavelengthIndex", Napi::Number::New(Env(), failed_));
        deferred_.Reject(e.Value());
        return;
      }
      auto o = Napi::Object::New(Env());
      o.Set("kernelSeconds", kernel_);
      o.Set("totalSeconds", total_);
      deferred_.Resolve(o);
    }

   private:
    double* out_;
    const int32_t* cancel_;
    double kernel_ = 0, total_ = 0;
    int failed_ = -1;
  };

  Napi::Value ThreadsCompute(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<Napi::Value> keep;
    std::vector<prop::Wave> waves = parseWaves(info, keep);  // fftThreads stays 1
    int workers = intArg(info, 1, "workers");
    const prop::Step& det = sys_->steps.back();
    const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
    auto oa = info[3];
    if (!oa.IsTypedArray() || oa.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throwType(env, "`out` must be a Float64Array");
    auto out = oa.As<Napi::Float64Array>();
    if (out.ElementLength() != m * waves.size())
      throwRange(env, "`out` must have " + std::to_string(m * waves.size()) + " elements");
    keep.push_back(out);
    auto ca = info[4];
    if (!ca.IsTypedArray() || ca.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        ca.As<Napi::TypedArray>().ElementLength() < 1)
      throwType(env, "`cancel` must be an Int32Array of length >= 1");
    auto cancel = ca.As<Napi::Int32Array>();
    keep.push_back(cancel);
    keep.push_back(info.This());
    Napi::Function cb;
    if (info.Length() > 5 && info[5].IsFunction()) cb = info[5].As<Napi::Function>();
    auto* w = new ThreadsWorker(env, sys_, std::move(waves), workers, out.Data(), cancel.Data(),
                                std::move(keep), cb);
    auto p = w->promise();
    w->Queue();
    return p;
  }

  Napi::Value DropScratch(const Napi::CallbackInfo& info) {
    sys_->dropScratch();
    return info.Env().Undefined();
  }

  std::shared_ptr<prop::System> sys_;
  std::vector<Napi::ObjectReference> borrowed_;
};

// ---- rasterisation -----------------------------------------------------------

// rasterShape({ prims: [{ kind, a, b, c }], shiftX, shiftY, rotation, invert },
//             cy, cx, scale, y0, x0, ny, nx, amp): amp *= coverage
Napi::Value RasterShape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throwType(env, "`shape` must be an object");
  auto so = info[0].As<Napi::Object>();
  raster::Shape shape;
  if (!so.Get("prims").IsArray()) throwType(env, "`shape.prims` must be an array");
  auto prims = so.Get("prims").As<Napi::Array>();
  for (uint32_t i = 0; i < prims.Length(); ++i) {
    const std::string ctx = "shape.prims[" + std::to_string(i) + "]";
    if (!prims.Get(i).IsObject()) throwType(env, ctx + " must be an object");
    auto po = prims.Get(i).As<Napi::Object>();
    raster::Prim p;
    int kind = objInt(po, "kind", ctx, 0);
    if (kind > 5) throwRange(env, ctx + ".kind must be 0..5");
    p.kind = static_cast<raster::PrimKind>(kind);
    p.a = objNum(po, "a", ctx);
    p.b = po.Get("b").IsUndefined() ? 0 : objNum(po, "b", ctx);
    p.c = po.Get("c").IsUndefined() ? 0 : objNum(po, "c", ctx);
    if (p.kind == raster::PrimKind::Polygon && p.a < 3) throwRange(env, ctx + ": a polygon needs 3 or more sides");
    shape.prims.push_back(p);
  }
  shape.shiftX = objNum(so, "shiftX", "shape");
  shape.shiftY = objNum(so, "shiftY", "shape");
  shape.rotation = objNum(so, "rotation", "shape");
  shape.invert = so.Get("invert").IsBoolean() && so.Get("invert").As<Napi::Boolean>().Value();
  const double cy = numArg(info, 1, "cy"), cx = numArg(info, 2, "cx"), scale = numArg(info, 3, "scale");
  if (!(scale > 0)) throwRange(env, "`scale` must be positive");
  const int y0 = intArg(info, 4, "y0", 0), x0 = intArg(info, 5, "x0", 0);
  const int ny = intArg(info, 6, "ny", 0), nx = intArg(info, 7, "nx", 0);
  auto amp = arrayArg(info, 8, "amp", static_cast<size_t>(ny) * nx);
  if (amp.single) throwType(env, "`amp` must be a Float64Array");
  runSync(env, [&] {
    raster::multiplyCoverage(shape, cy, cx, scale, y0, x0, ny, nx, static_cast<double*>(amp.data));
  });
  return env.Undefined();
}

// ---- shared memory -------------------------------------------------------------

// shmMap(path, bytes, create) -> ArrayBuffer over a MAP_SHARED mapping of the
// file (created and sized when `create`); unmapped when garbage-collected.
// Worker processes map the same file: data crosses without copies.
Napi::Value ShmMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwType(env, "`path` must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const double bytesD = numArg(info, 1, "bytes");
  if (bytesD < 1 || bytesD > 1e15 || bytesD != std::floor(bytesD)) throwRange(env, "`bytes` must be a positive integer");
  const size_t bytes = static_cast<size_t>(bytesD);
  const bool create = boolArg(info, 2);
  int fd = open(path.c_str(), create ? (O_RDWR | O_CREAT | O_EXCL) : O_RDWR, 0600);
  if (fd < 0) throw toJsError(env, "ERR_AIRY_SHM", "cannot open shared memory file " + path + ": " + std::strerror(errno));
  if (create && ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    const int e = errno;
    close(fd);
    throw toJsError(env, "ERR_AIRY_SHM", "cannot size shared memory file " + path + ": " + std::strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < bytes) {
    close(fd);
    throw toJsError(env, "ERR_AIRY_SHM", "shared memory file " + path + " is smaller than " + std::to_string(bytes) + " bytes");
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) throw toJsError(env, "ERR_AIRY_SHM", "cannot map " + path + ": " + std::strerror(errno));
  return Napi::ArrayBuffer::New(env, p, bytes, [](Napi::Env, void* data, size_t* len) {
    munmap(data, *len);
    delete len;
  }, new size_t(bytes));
}

// ---- FITS -------------------------------------------------------------------

// fitsRead(path, hdu) -> { data, ny, nx, extname, cards: [{ key, value, comment }] }
Napi::Value FitsRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwType(env, "`path` must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  int hdu = intArg(info, 1, "hdu", 0);
  fits::Image img;
  runSync(env, [&] { img = fits::read(path, hdu); });
  auto o = Napi::Object::New(env);
  auto data = Napi::Float64Array::New(env, img.data.size());
  std::copy(img.data.begin(), img.data.end(), data.Data());
  o.Set("data", data);
  o.Set("ny", img.ny);
  o.Set("nx", img.nx);
  o.Set("extname", img.extname);
  auto cards = Napi::Array::New(env, img.cards.size());
  for (size_t i = 0; i < img.cards.size(); ++i) {
    const auto& c = img.cards[i];
    auto co = Napi::Object::New(env);
    co.Set("key", c.key);
    if (c.kind == fits::Card::Kind::Number) co.Set("value", c.number);
    else if (c.kind == fits::Card::Kind::String) co.Set("value", c.text);
    else co.Set("value", c.logical);
    co.Set("comment", c.comment);
    cards.Set(static_cast<uint32_t>(i), co);
  }
  o.Set("cards", cards);
  return o;
}

// fitsVerify(path) -> [{ dataOk, hduOk }] per HDU (1 ok, 0 absent, -1 wrong)
Napi::Value FitsVerify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwType(env, "`path` must be a string");
  std::vector<fits::Check> checks;
  runSync(env, [&] { checks = fits::verify(info[0].As<Napi::String>().Utf8Value()); });
  auto arr = Napi::Array::New(env, checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    auto o = Napi::Object::New(env);
    o.Set("dataOk", checks[i].dataOk);
    o.Set("hduOk", checks[i].hduOk);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

// fitsWrite(path, [{ data, ny, nx, extname, cards }])
Napi::Value FitsWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwType(env, "`path` must be a string");
  if (!info[1].IsArray()) throwType(env, "`hdus` must be an array");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  auto arr = info[1].As<Napi::Array>();
  std::vector<fits::Image> hdus(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const std::string ctx = "hdus[" + std::to_string(i) + "]";
    if (!arr.Get(i).IsObject()) throwType(env, ctx + " must be an object");
    auto h = arr.Get(i).As<Napi::Object>();
    fits::Image& img = hdus[i];
    img.ny = objInt(h, "ny", ctx, 1);
    img.nx = objInt(h, "nx", ctx, 1);
    bool has = false;
    auto data = objArray(h, "data", ctx, static_cast<size_t>(img.ny) * img.nx, &has);
    if (!has) throwType(env, ctx + ".data is required");
    img.data.assign(data.Data(), data.Data() + data.ElementLength());
    if (h.Get("extname").IsString()) img.extname = h.Get("extname").As<Napi::String>().Utf8Value();
    if (h.Get("cards").IsArray()) {
      auto cards = h.Get("cards").As<Napi::Array>();
      for (uint32_t k = 0; k < cards.Length(); ++k) {
        auto co = cards.Get(k).As<Napi::Object>();
        fits::Card c;
        c.key = co.Get("key").As<Napi::String>().Utf8Value();
        if (c.key.empty() || c.key.size() > 60) throwRange(env, ctx + ": FITS keyword '" + c.key + "' must be 1-60 characters (over 8: HIERARCH)");
        auto v = co.Get("value");
        if (v.IsNumber()) {
          c.kind = fits::Card::Kind::Number;
          c.number = v.As<Napi::Number>().DoubleValue();
          if (!std::isfinite(c.number)) throwRange(env, ctx + ": keyword " + c.key + " is not finite");
        } else if (v.IsBoolean()) {
          c.kind = fits::Card::Kind::Logical;
          c.logical = v.As<Napi::Boolean>().Value();
        } else {
          c.kind = fits::Card::Kind::String;
          c.text = v.ToString().Utf8Value();
        }
        if (co.Get("comment").IsString()) c.comment = co.Get("comment").As<Napi::String>().Utf8Value();
        img.cards.push_back(std::move(c));
      }
    }
  }
  runSync(env, [&] { fits::write(path, hdus); });
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Whether the BLAS thread pool started when the library was loaded is read
  // now, before any call can change the thread count.
  (void)blas::threadsStarted();
  auto fn = [&](const char* name, Napi::Function::Callback cb) {
    exports.Set(name, Napi::Function::New(env, cb, name));
  };
  fn("fft2", [](const Napi::CallbackInfo& i) { return Fft2(i, true); });
  fn("fft2Sync", [](const Napi::CallbackInfo& i) { return Fft2(i, false); });
  fn("mft", [](const Napi::CallbackInfo& i) { return Mft(i, true); });
  fn("mftSync", [](const Napi::CallbackInfo& i) { return Mft(i, false); });
  fn("blasInfo", BlasInfo);
  fn("blasSetThreads", BlasSetThreads);
  fn("cpuInfo", CpuInfo);
  fn("fftwInfo", FftwInfo);
  fn("fftwExportWisdom", FftwExportWisdom);
  fn("fftwImportWisdom", FftwImportWisdom);
  fn("fftwMarkWisdomSaved", FftwMarkWisdomSaved);
  fn("fftwForget", FftwForget);
  fn("fftwPlan", FftwPlan);
  fn("fftwRawExecute", FftwRawExecute);
  fn("fftwHasWisdom", FftwHasWisdom);
  fn("gemmBench", GemmBench);
  fn("mftCacheStats", MftCacheStats);
  fn("mftClearCache", MftClearCache);
  fn("mftSetCacheLimit", MftSetCacheLimit);
  fn("cfitsioVersion", CfitsioVersion);
  fn("rasterShape", RasterShape);
  fn("shmMap", ShmMap);
  fn("fitsRead", FitsRead);
  fn("fitsWrite", FitsWrite);
  fn("fitsVerify", FitsVerify);
  exports.Set("NativeSystem", SystemWrap::Define(env));
  return exports;
}

}  // namespace
}  // namespace airy

static Napi::Object InitAiry(Napi::Env env, Napi::Object exports) {
  return airy::Init(env, exports);
}

NODE_API_MODULE(airy_native, InitAiry)
