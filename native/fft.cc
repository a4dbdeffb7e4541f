#include "fft.h"

#include <fftw3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "common.h"

namespace airy {
namespace fft {
namespace {

// FFTW's planner, wisdom and plan destruction are not thread-safe; execution
// of an existing plan is. Everything but fftw_execute_dft holds this mutex.
// Recursive because a plan's deleter takes it and may run under `forget`.
std::recursive_mutex& plannerMutex() {
  static std::recursive_mutex m;
  return m;
}

// FFTW requires fftw_init_threads before any other FFTW call (wisdom import
// included), so every entry point below goes through plannerLock().
bool initThreads() {
  static const bool ok = [] {
    int a = fftw_init_threads();
    int b = fftwf_init_threads();
    return a != 0 && b != 0;
  }();
  return ok;
}

std::unique_lock<std::recursive_mutex> plannerLock() {
  initThreads();
  return std::unique_lock<std::recursive_mutex>(plannerMutex());
}

template <typename R>
struct Api;

template <>
struct Api<double> {
  using plan_t = fftw_plan;
  using cpx = fftw_complex;
  static plan_t plan2d(int ny, int nx, cpx* in, cpx* out, int sign, unsigned flags) {
    return fftw_plan_dft_2d(ny, nx, in, out, sign, flags);
  }
  static void threads(int n) { fftw_plan_with_nthreads(n); }
  static void execute(plan_t p, cpx* in, cpx* out) { fftw_execute_dft(p, in, out); }
  static void destroy(plan_t p) { fftw_destroy_plan(p); }
};

template <>
struct Api<float> {
  using plan_t = fftwf_plan;
  using cpx = fftwf_complex;
  static plan_t plan2d(int ny, int nx, cpx* in, cpx* out, int sign, unsigned flags) {
    return fftwf_plan_dft_2d(ny, nx, in, out, sign, flags);
  }
  static void threads(int n) { fftwf_plan_with_nthreads(n); }
  static void execute(plan_t p, cpx* in, cpx* out) { fftwf_execute_dft(p, in, out); }
  static void destroy(plan_t p) { fftwf_destroy_plan(p); }
};

// (ny, nx, inverse, threads, effort, single, aligned)
using Key = std::tuple<int, int, bool, int, int, bool, bool>;

struct PlanHandle {
  void* plan = nullptr;
  bool single = false;
  int threads = 1;
  ~PlanHandle() {
    std::lock_guard<std::recursive_mutex> lock(plannerMutex());
    if (!plan) return;
    if (single)
      Api<float>::destroy(static_cast<fftwf_plan>(plan));
    else
      Api<double>::destroy(static_cast<fftw_plan>(plan));
  }
};

std::map<Key, std::shared_ptr<PlanHandle>>& cache() {
  static std::map<Key, std::shared_ptr<PlanHandle>> c;
  return c;
}
std::atomic<size_t> g_created{0};
std::atomic<size_t> g_since_save{0};
std::atomic<bool> g_threads_started{false};

unsigned effortFlag(Effort e) {
  switch (e) {
    case Effort::Measure: return FFTW_MEASURE;
    case Effort::Patient: return FFTW_PATIENT;
    default: return FFTW_ESTIMATE;
  }
}

template <typename R>
std::shared_ptr<PlanHandle> getPlan(int ny, int nx, bool inverse, int threads,
                                    Effort effort, bool aligned, double* planSeconds) {
  if (planSeconds) *planSeconds = 0;
  const bool single = std::is_same<R, float>::value;
  Key key{ny, nx, inverse, threads, static_cast<int>(effort), single, aligned};
  auto lock = plannerLock();
  auto it = cache().find(key);
  if (it != cache().end()) return it->second;

  // Plan on scratch arrays: MEASURE/PATIENT overwrite them while timing.
  const size_t n = static_cast<size_t>(ny) * nx;
  AlignedBuffer<std::complex<R>> a(n + 1), b(n + 1);
  auto* in = reinterpret_cast<typename Api<R>::cpx*>(a.data());
  auto* out = reinterpret_cast<typename Api<R>::cpx*>(b.data());
  if (!aligned) {  // make the scratch arrays misaligned like the caller's
    in = reinterpret_cast<typename Api<R>::cpx*>(reinterpret_cast<char*>(a.data()) + sizeof(R));
    out = reinterpret_cast<typename Api<R>::cpx*>(reinterpret_cast<char*>(b.data()) + sizeof(R));
  }
  unsigned flags = effortFlag(effort) | (aligned ? 0u : FFTW_UNALIGNED);
  if (initThreads()) Api<R>::threads(threads);
  auto t0 = std::chrono::steady_clock::now();
  auto p = Api<R>::plan2d(ny, nx, in, out, inverse ? FFTW_BACKWARD : FFTW_FORWARD, flags);
  auto t1 = std::chrono::steady_clock::now();
  if (!p) {
    throw Error("ERR_AIRY_FFTW_PLAN", "FFTW could not plan a " + std::to_string(ny) +
                                          "x" + std::to_string(nx) + " transform");
  }
  auto h = std::make_shared<PlanHandle>();
  h->plan = static_cast<void*>(p);
  h->single = single;
  h->threads = threads;
  cache().emplace(key, h);
  g_created++;
  g_since_save++;
  if (planSeconds) *planSeconds = std::chrono::duration<double>(t1 - t0).count();
  return h;
}

bool isAligned(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) % 16) == 0;
}

}  // namespace

template <typename R>
void transform(const std::complex<R>* in, std::complex<R>* out, int ny, int nx,
               bool inverse, int threads, Effort effort) {
  AIRY_ASSERT(ny > 0 && nx > 0, "fft: shape must be positive");
  AIRY_ASSERT(in != out, "fft: transform is out-of-place");
  const bool aligned = isAligned(in) && isAligned(out);
  auto h = getPlan<R>(ny, nx, inverse, std::max(1, threads), effort, aligned, nullptr);
  if (h->threads > 1) g_threads_started.store(true, std::memory_order_relaxed);
  using cpx = typename Api<R>::cpx;
  Api<R>::execute(static_cast<typename Api<R>::plan_t>(h->plan),
                  reinterpret_cast<cpx*>(const_cast<std::complex<R>*>(in)),
                  reinterpret_cast<cpx*>(out));
  // Unitary scaling, fused with the finiteness check: NaN or Inf anywhere in
  // the input reaches the output, so this one pass catches bad input too.
  // With several FFT threads the pass is split the same way, or it would
  // cost as much as a third of a threaded transform.
  const R scale = static_cast<R>(1.0 / std::sqrt(static_cast<double>(ny) * nx));
  R* o = reinterpret_cast<R*>(out);
  const size_t n2 = 2 * static_cast<size_t>(ny) * nx;
  auto pass = [o, scale](size_t begin, size_t end) {
    return scaleAndCheck(o + begin, end - begin, scale);
  };
  const int parts = (threads > 1 && n2 >= (size_t(1) << 18)) ? std::min(threads, 16) : 1;
  bool finite = true;
  if (parts == 1) {
    finite = pass(0, n2);
  } else {
    std::vector<std::thread> pool;
    std::vector<char> ok(parts, 1);
    const size_t chunk = (n2 / parts + 7) & ~size_t(7);
    for (int t = 1; t < parts; ++t) {
      size_t b = std::min(n2, chunk * t), e = std::min(n2, chunk * (t + 1));
      pool.emplace_back([&, t, b, e] { ok[t] = pass(b, e); });
    }
    ok[0] = pass(0, std::min(n2, chunk));
    for (auto& th : pool) th.join();
    for (char c : ok) finite = finite && c;
  }
  if (!finite) throw Error("ERR_AIRY_NONFINITE", "fft2: input contains NaN or Infinity");
}

template void transform<double>(const std::complex<double>*, std::complex<double>*, int,
                                int, bool, int, Effort);
template void transform<float>(const std::complex<float>*, std::complex<float>*, int, int,
                               bool, int, Effort);

double plan(int ny, int nx, bool inverse, int threads, Effort effort, bool single) {
  double s = 0;
  if (single)
    getPlan<float>(ny, nx, inverse, std::max(1, threads), effort, true, &s);
  else
    getPlan<double>(ny, nx, inverse, std::max(1, threads), effort, true, &s);
  return s;
}

namespace {
template <typename R>
bool hasWisdomT(int ny, int nx, bool inverse, int threads, Effort effort) {
  auto lock = plannerLock();
  const size_t n = static_cast<size_t>(ny) * nx;
  AlignedBuffer<std::complex<R>> a(n), b(n);
  if (initThreads()) Api<R>::threads(std::max(1, threads));
  auto p = Api<R>::plan2d(ny, nx, reinterpret_cast<typename Api<R>::cpx*>(a.data()),
                          reinterpret_cast<typename Api<R>::cpx*>(b.data()),
                          inverse ? FFTW_BACKWARD : FFTW_FORWARD,
                          effortFlag(effort) | FFTW_WISDOM_ONLY);
  if (!p) return false;
  Api<R>::destroy(p);
  return true;
}
}  // namespace

bool hasWisdom(int ny, int nx, bool inverse, int threads, Effort effort, bool single) {
  return single ? hasWisdomT<float>(ny, nx, inverse, threads, effort)
                : hasWisdomT<double>(ny, nx, inverse, threads, effort);
}

template <typename R>
double rawExecute(const std::complex<R>* in, std::complex<R>* out, int ny, int nx,
                  bool inverse, int threads, Effort effort, int iterations) {
  const bool aligned = isAligned(in) && isAligned(out);
  auto h = getPlan<R>(ny, nx, inverse, std::max(1, threads), effort, aligned, nullptr);
  if (h->threads > 1) g_threads_started.store(true, std::memory_order_relaxed);
  using cpx = typename Api<R>::cpx;
  auto p = static_cast<typename Api<R>::plan_t>(h->plan);
  std::vector<double> times;
  for (int i = 0; i < std::max(1, iterations); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Api<R>::execute(p, reinterpret_cast<cpx*>(const_cast<std::complex<R>*>(in)),
                    reinterpret_cast<cpx*>(out));
    auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double>(t1 - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

template double rawExecute<double>(const std::complex<double>*, std::complex<double>*, int,
                                   int, bool, int, Effort, int);
template double rawExecute<float>(const std::complex<float>*, std::complex<float>*, int, int,
                                  bool, int, Effort, int);

Stats stats() {
  auto lock = plannerLock();
  Stats s;
  s.cachedPlans = cache().size();
  s.plansCreated = g_created.load();
  s.plansSinceWisdomSave = g_since_save.load();
  s.threadsStarted = g_threads_started.load();
  return s;
}

void forget() {
  auto lock = plannerLock();
  cache().clear();
  fftw_forget_wisdom();
  fftwf_forget_wisdom();
}

namespace {
const char kMagic[] = "airy-fftw-wisdom 1\n";

std::string section(const char* name, char* text) {
  std::string s = text ? text : "";
  if (text) free(text);
  return std::string(name) + " " + std::to_string(s.size()) + "\n" + s + "\n";
}
}  // namespace

std::string exportWisdom() {
  auto lock = plannerLock();
  std::string out = kMagic;
  out += section("double", fftw_export_wisdom_to_string());
  out += section("single", fftwf_export_wisdom_to_string());
  return out;
}

bool importWisdom(const std::string& text) {
  if (text.rfind(kMagic, 0) != 0) return false;
  size_t pos = sizeof(kMagic) - 1;
  std::string parts[2];
  const char* names[2] = {"double ", "single "};
  for (int i = 0; i < 2; ++i) {
    if (text.compare(pos, 7, names[i]) != 0) return false;
    pos += 7;
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return false;
    size_t len = 0;
    try {
      len = std::stoul(text.substr(pos, nl - pos));
    } catch (...) {
      return false;
    }
    pos = nl + 1;
    if (pos + len + 1 > text.size()) return false;
    parts[i] = text.substr(pos, len);
    pos += len + 1;
  }
  auto lock = plannerLock();
  bool ok = true;
  if (!parts[0].empty()) ok = fftw_import_wisdom_from_string(parts[0].c_str()) != 0 && ok;
  if (!parts[1].empty()) ok = fftwf_import_wisdom_from_string(parts[1].c_str()) != 0 && ok;
  return ok;
}

void markWisdomSaved() { g_since_save.store(0); }

std::string version() { return fftw_version; }

bool threadsAvailable() { return initThreads(); }

}  // namespace fft
}  // namespace airy
