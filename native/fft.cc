// One file for the FFT engine, over 600 lines: the plan cache, the planner
// lock, the helper thread pool and wisdom share private state and locks that
// would otherwise need an internal header of their own.
#include "fft.h"

#include <fftw3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
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
  static plan_t many(int n, int howmany, cpx* in, int stride, int dist, cpx* out, int sign, unsigned flags) {
    return fftw_plan_many_dft(1, &n, howmany, in, nullptr, stride, dist, out, nullptr, stride, dist, sign,
                              flags);
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
  static plan_t many(int n, int howmany, cpx* in, int stride, int dist, cpx* out, int sign, unsigned flags) {
    return fftwf_plan_many_dft(1, &n, howmany, in, nullptr, stride, dist, out, nullptr, stride, dist, sign,
                               flags);
  }
  static void threads(int n) { fftwf_plan_with_nthreads(n); }
  static void execute(plan_t p, cpx* in, cpx* out) { fftwf_execute_dft(p, in, out); }
  static void destroy(plan_t p) { fftwf_destroy_plan(p); }
};

// What a cached plan computes, for an ny x nx row-major array:
//  Whole:   the 2D transform, out-of-place (FFTW's own 2D plan; the raw
//           baseline benchmarks compare against).
//  Rows:    w consecutive rows of length nx, out-of-place.
//  Columns: all nx columns (length ny, stride nx), in place; w unused.
//  Slice:   w adjacent columns of the ny x nx array, in place.
//  Buffer:  all w columns of an ny x w buffer, in place (always aligned).
enum class Kind { Whole = 0, Rows = 1, Columns = 2, Slice = 3, Buffer = 4 };

// (kind, ny, nx, w, inverse, threads, effort, single, aligned)
using Key = std::tuple<int, int, int, int, bool, int, int, bool, bool>;

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
    case Effort::Measure:
      return FFTW_MEASURE;
    case Effort::Patient:
      return FFTW_PATIENT;
    default:
      return FFTW_ESTIMATE;
  }
}

// Calls the FFTW planner for one kind of plan on the given arrays.
template <typename R>
typename Api<R>::plan_t makePlan(Kind kind, int ny, int nx, int w, bool inverse, typename Api<R>::cpx* in,
                                 typename Api<R>::cpx* out, unsigned flags) {
  const int sign = inverse ? FFTW_BACKWARD : FFTW_FORWARD;
  switch (kind) {
    case Kind::Rows:
      return Api<R>::many(nx, w, in, 1, nx, out, sign, flags);
    case Kind::Columns:
      return Api<R>::many(ny, nx, out, nx, 1, out, sign, flags);
    case Kind::Slice:
      return Api<R>::many(ny, w, out, nx, 1, out, sign, flags);
    case Kind::Buffer:
      return Api<R>::many(ny, w, out, w, 1, out, sign, flags);
    default:
      return Api<R>::plan2d(ny, nx, in, out, sign, flags);
  }
}

template <typename R>
std::shared_ptr<PlanHandle> getPlan(Kind kind, int ny, int nx, int w, bool inverse, int threads,
                                    Effort effort, bool aligned, double* planSeconds) {
  if (planSeconds) *planSeconds = 0;
  const bool single = std::is_same<R, float>::value;
  Key key{static_cast<int>(kind), ny, nx, w, inverse, threads, static_cast<int>(effort), single, aligned};
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
  auto p = makePlan<R>(kind, ny, nx, w, inverse, in, out, flags);
  auto t1 = std::chrono::steady_clock::now();
  if (!p) {
    throw Error("ERR_AIRY_FFTW_PLAN",
                "FFTW could not plan a " + std::to_string(ny) + "x" + std::to_string(nx) + " transform");
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

bool isAligned(const void* p) { return (reinterpret_cast<uintptr_t>(p) % 16) == 0; }

// Rows per row-pass block: the largest divisor of ny whose block stays within
// about 1 MB (a typical L2), so the scaling pass reads what the row FFT has
// just written (256 KB blocks measured 5-10% slower at 512², no better
// above), and small enough that `minBlocks` threads each get one.
int rowBlock(int ny, int nx, size_t complexBytes, int minBlocks) {
  const size_t budget = 1024 * 1024;
  const int cap = static_cast<int>(
      std::max<size_t>(1, std::min<size_t>(budget / (complexBytes * nx), ny / std::max(1, minBlocks))));
  for (int b = std::min(cap, ny); b > 1; --b)
    if (ny % b == 0) return b;
  return 1;
}

// Persistent helper threads for multi-threaded transforms (starting threads
// per call cost ~10% of a 512x512 transform). run(parts, f) calls f(0) here
// and f(1..parts-1) on helpers, and returns when all are done; calls are
// serialised, so all `parts` calls run at once and may meet at a Barrier.
class HelperPool {
 public:
  void run(int parts, const std::function<void(int)>& f) {
    std::lock_guard<std::mutex> one(callMutex_);
    {
      std::unique_lock<std::mutex> lock(m_);
      while (static_cast<int>(threads_.size()) < parts - 1) {
        const int idx = static_cast<int>(threads_.size()) + 1;
        threads_.emplace_back([this, idx] { loop(idx); });
        threads_.back().detach();
      }
      job_ = &f;
      active_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    cv_.notify_all();
    f(0);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(int idx) {
    unsigned long seen = 0;
    for (;;) {
      const std::function<void(int)>* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (idx < active_) job = job_;
      }
      if (!job) continue;
      (*job)(idx);
      std::lock_guard<std::mutex> lock(m_);
      if (--pending_ == 0) done_.notify_all();
    }
  }

  std::mutex callMutex_, m_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(int)>* job_ = nullptr;
  int active_ = 0, pending_ = 0;
  unsigned long generation_ = 0;
};

HelperPool& helperPool() {
  static HelperPool* p = new HelperPool();  // never destroyed: helpers are detached
  return *p;
}

// One-shot barrier for the `parts` calls of one HelperPool::run. Waiting spins
// (the other parts are running and balanced, so the wait is short) and
// yields the core after a while in case a part's thread is not scheduled.
class Barrier {
 public:
  explicit Barrier(int parts) : left_(parts) {}
  void arriveAndWait() {
    if (left_.fetch_sub(1, std::memory_order_acq_rel) == 1) return;
    for (unsigned spins = 0; left_.load(std::memory_order_acquire) > 0; ++spins) {
      if (spins < 4096) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } else {
        std::this_thread::yield();
      }
    }
  }

 private:
  std::atomic<int> left_;
};

// Columns per buffer of the `estimate` column pass (see Split).
constexpr int kColumnBuffer = 16;

// How `transform` runs an ny x nx transform. With parts == 1: row blocks
// here, then the columns. With parts > 1 the whole transform is one
// HelperPool job: part t takes its share of the row blocks, all parts meet at
// a barrier, then part t transforms its slice of columns. One wake-up per
// call instead of one for our row helpers and one for FFTW's column threads
// (5-8% of a two-thread 512x512 transform).
//
// Columns at `measure`/`patient` effort run on FFTW plans over the strided
// columns (FFTW measures and buffers them itself). At `estimate`, FFTW's
// heuristics transform strided columns in place, which misses the cache on
// every element: 11.6 ms for the columns of a 512x512 array against 1.4 ms
// when airy copies 16 columns at a time into a contiguous ny x 16 buffer,
// transforms them there and copies them back (buffered).
struct Split {
  int parts;
  int threads;
  int block;  // rows per row block
  bool aligned;
  bool buffered;
  std::vector<int> sliceStart;  // parts + 1 column boundaries
};

template <typename R>
Split splitFor(const void* in, const void* out, int ny, int nx, int threads, Effort effort) {
  Split s;
  s.threads = std::max(1, threads);
  const size_t total = static_cast<size_t>(ny) * nx;
  // More parts than cores only adds helper threads that wait on each other
  // at the barrier (64 threads on 2 cores: 5.6 ms for a 512x512 transform
  // against 1.5 ms on 2), so the cores cap them.
  static const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int want = std::min(s.threads, cores);
  const bool parallel = want > 1 && total >= (size_t(1) << 15);
  s.block = rowBlock(ny, nx, sizeof(std::complex<R>), parallel ? want : 1);
  // Column slices start on 16-byte boundaries, like the arrays the plans
  // were made for (one column of single-precision complex is 8 bytes).
  const int step = static_cast<int>(std::max<size_t>(1, 16 / sizeof(std::complex<R>)));
  const int maxParts = std::min(ny / s.block, nx / step);
  s.parts = parallel ? std::max(1, std::min(want, maxParts)) : 1;
  for (int t = 0; t < s.parts; ++t)
    s.sliceStart.push_back(static_cast<int>(static_cast<long long>(nx / step) * t / s.parts) * step);
  s.sliceStart.push_back(nx);
  s.buffered = effort == Effort::Estimate;
  // New-array execution needs every block start to keep the alignment the
  // plan was made for.
  s.aligned = isAligned(in) && isAligned(out) &&
              (static_cast<size_t>(s.block) * nx * sizeof(std::complex<R>)) % 16 == 0;
  return s;
}

// The FFTW plans a Split executes: the row-block plan first, then the column
// plans (one per part; or, buffered, one per buffer width in use).
struct PlanSpec {
  Kind kind;
  int w;
  int threads;
  bool aligned;
};

std::vector<PlanSpec> planSpecs(const Split& sp) {
  std::vector<PlanSpec> v{{Kind::Rows, sp.block, 1, sp.aligned}};
  if (sp.buffered) {
    std::vector<int> widths;
    for (int t = 0; t < sp.parts; ++t) {
      const int width = sp.sliceStart[t + 1] - sp.sliceStart[t];
      if (width >= kColumnBuffer) widths.push_back(kColumnBuffer);
      if (width % kColumnBuffer) widths.push_back(width % kColumnBuffer);
    }
    std::sort(widths.begin(), widths.end());
    widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
    for (int w : widths) v.push_back({Kind::Buffer, w, 1, true});
  } else if (sp.parts == 1) {
    v.push_back({Kind::Columns, 0, sp.threads, sp.aligned});
  } else {
    for (int t = 0; t < sp.parts; ++t)
      v.push_back({Kind::Slice, sp.sliceStart[t + 1] - sp.sliceStart[t], 1, sp.aligned});
  }
  return v;
}

template <typename R>
struct SplitPlans {
  std::shared_ptr<PlanHandle> rows;
  std::vector<std::shared_ptr<PlanHandle>> cols;  // per part; buffered: indexed by width
};

template <typename R>
SplitPlans<R> splitPlans(const Split& sp, int ny, int nx, bool inverse, Effort effort, double* seconds) {
  SplitPlans<R> p;
  double total = 0, t = 0;
  if (sp.buffered) p.cols.resize(kColumnBuffer + 1);
  for (const PlanSpec& spec : planSpecs(sp)) {
    auto h = getPlan<R>(spec.kind, ny, nx, spec.w, inverse, spec.threads, effort, spec.aligned, &t);
    total += t;
    if (spec.kind == Kind::Rows)
      p.rows = h;
    else if (spec.kind == Kind::Buffer)
      p.cols[spec.w] = h;
    else
      p.cols.push_back(h);
  }
  if (seconds) *seconds = total;
  return p;
}

// Tag of the per-thread buffer the `estimate` column pass copies columns into.
struct ColumnBuffer;

}  // namespace

// The 2D DFT runs as FFTW row transforms over cache-sized blocks of rows
// (input to output), each block scaled and checked while it is still in
// cache, then in-place FFTW transforms of the columns. A separate scaling
// pass after FFTW's own 2D plan costs a full extra sweep through memory
// (7-26% measured at 512-4096); fused this way it costs 2-5%. With several
// threads the transform is one job on airy's helper threads (see Split): each
// shares the row blocks, then transforms a slice of the columns; every plan
// is serial. At `estimate` effort the columns go through small contiguous
// buffers (see Split).
//
// The finiteness check sees the row-transformed data: NaN or Inf in the input
// reaches it, and the column pass cannot overflow a finite, unitary-scaled
// intermediate unless the input is within a factor sqrt(ny) of DBL_MAX.
template <typename R>
void transform(const std::complex<R>* in, std::complex<R>* out, int ny, int nx, bool inverse, int threads,
               Effort effort) {
  AIRY_ASSERT(ny > 0 && nx > 0, "fft: shape must be positive");
  AIRY_ASSERT(in != out, "fft: transform is out-of-place");
  const Split sp = splitFor<R>(in, out, ny, nx, threads, effort);
  const SplitPlans<R> plans = splitPlans<R>(sp, ny, nx, inverse, effort, nullptr);
  using cpx = typename Api<R>::cpx;
  using plan_t = typename Api<R>::plan_t;
  const R scale = static_cast<R>(1.0 / std::sqrt(static_cast<double>(ny) * nx));
  const size_t blockElems = static_cast<size_t>(sp.block) * nx;
  const int nblocks = ny / sp.block;

  auto rowPass = [&](int t) {
    bool ok = true;
    const int b0 = static_cast<int>(static_cast<long long>(nblocks) * t / sp.parts);
    const int b1 = static_cast<int>(static_cast<long long>(nblocks) * (t + 1) / sp.parts);
    for (int b = b0; b < b1; ++b) {
      const size_t off = blockElems * b;
      Api<R>::execute(static_cast<plan_t>(plans.rows->plan),
                      reinterpret_cast<cpx*>(const_cast<std::complex<R>*>(in + off)),
                      reinterpret_cast<cpx*>(out + off));
      ok = scaleAndCheck(reinterpret_cast<R*>(out + off), 2 * blockElems, scale) && ok;
    }
    return ok;
  };

  auto columnPass = [&](int t) {
    const int c0 = sp.sliceStart[t], c1 = sp.sliceStart[t + 1];
    if (!sp.buffered) {
      auto* col = reinterpret_cast<cpx*>(out + c0);
      Api<R>::execute(static_cast<plan_t>(plans.cols[t]->plan), col, col);
      return;
    }
    auto* buf = threadBuffer<std::complex<R>, ColumnBuffer>(static_cast<size_t>(ny) * kColumnBuffer);
    for (int c = c0; c < c1; c += kColumnBuffer) {
      const int w = std::min(kColumnBuffer, c1 - c);
      const size_t bytes = w * sizeof(std::complex<R>);
      for (int y = 0; y < ny; ++y)
        std::memcpy(buf + static_cast<size_t>(y) * w, out + static_cast<size_t>(y) * nx + c, bytes);
      Api<R>::execute(static_cast<plan_t>(plans.cols[w]->plan), reinterpret_cast<cpx*>(buf),
                      reinterpret_cast<cpx*>(buf));
      for (int y = 0; y < ny; ++y)
        std::memcpy(out + static_cast<size_t>(y) * nx + c, buf + static_cast<size_t>(y) * w, bytes);
    }
  };

  if (sp.parts == 1) {
    if (!rowPass(0)) throw Error("ERR_AIRY_NONFINITE", "fft2: input contains NaN or Infinity");
    if (!sp.buffered && plans.cols[0]->threads > 1) g_threads_started.store(true, std::memory_order_relaxed);
    columnPass(0);
    return;
  }
  // Every part goes through the barrier and its column slice even when the
  // input is not finite (a part cannot leave a barrier the others wait at);
  // the error is raised once all parts are done.
  std::vector<char> ok(sp.parts, 1);
  Barrier rowsDone(sp.parts);
  g_threads_started.store(true, std::memory_order_relaxed);
  helperPool().run(sp.parts, [&](int t) {
    ok[t] = rowPass(t);
    rowsDone.arriveAndWait();
    columnPass(t);
  });
  for (char c : ok)
    if (!c) throw Error("ERR_AIRY_NONFINITE", "fft2: input contains NaN or Infinity");
}

template void transform<double>(const std::complex<double>*, std::complex<double>*, int, int, bool, int,
                                Effort);
template void transform<float>(const std::complex<float>*, std::complex<float>*, int, int, bool, int, Effort);

namespace {
template <typename R>
double planT(int ny, int nx, bool inverse, int threads, Effort effort) {
  double seconds = 0;
  splitPlans<R>(splitFor<R>(nullptr, nullptr, ny, nx, threads, effort), ny, nx, inverse, effort, &seconds);
  return seconds;
}

template <typename R>
bool hasWisdomT(int ny, int nx, bool inverse, int threads, Effort effort) {
  auto lock = plannerLock();
  const Split sp = splitFor<R>(nullptr, nullptr, ny, nx, std::max(1, threads), effort);
  const size_t n = static_cast<size_t>(ny) * nx;
  AlignedBuffer<std::complex<R>> a(n), b(n);
  auto* in = reinterpret_cast<typename Api<R>::cpx*>(a.data());
  auto* out = reinterpret_cast<typename Api<R>::cpx*>(b.data());
  const unsigned flags = effortFlag(effort) | FFTW_WISDOM_ONLY;
  for (const PlanSpec& spec : planSpecs(sp)) {
    if (initThreads()) Api<R>::threads(spec.threads);
    auto p = makePlan<R>(spec.kind, ny, nx, spec.w, inverse, in, out, flags);
    if (!p) return false;
    Api<R>::destroy(p);
  }
  return true;
}
}  // namespace

double plan(int ny, int nx, bool inverse, int threads, Effort effort, bool single) {
  threads = std::max(1, threads);
  return single ? planT<float>(ny, nx, inverse, threads, effort)
                : planT<double>(ny, nx, inverse, threads, effort);
}

bool hasWisdom(int ny, int nx, bool inverse, int threads, Effort effort, bool single) {
  return single ? hasWisdomT<float>(ny, nx, inverse, threads, effort)
                : hasWisdomT<double>(ny, nx, inverse, threads, effort);
}

template <typename R>
double rawExecute(const std::complex<R>* in, std::complex<R>* out, int ny, int nx, bool inverse, int threads,
                  Effort effort, int iterations) {
  const bool aligned = isAligned(in) && isAligned(out);
  auto h = getPlan<R>(Kind::Whole, ny, nx, 0, inverse, std::max(1, threads), effort, aligned, nullptr);
  if (h->threads > 1) g_threads_started.store(true, std::memory_order_relaxed);
  using cpx = typename Api<R>::cpx;
  auto p = static_cast<typename Api<R>::plan_t>(h->plan);
  std::vector<double> times;
  for (int i = 0; i < std::max(1, iterations); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Api<R>::execute(p, reinterpret_cast<cpx*>(const_cast<std::complex<R>*>(in)), reinterpret_cast<cpx*>(out));
    auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double>(t1 - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

template double rawExecute<double>(const std::complex<double>*, std::complex<double>*, int, int, bool, int,
                                   Effort, int);
template double rawExecute<float>(const std::complex<float>*, std::complex<float>*, int, int, bool, int,
                                  Effort, int);

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

void lockForFork() { plannerMutex().lock(); }
void unlockAfterFork() { plannerMutex().unlock(); }
// In the child the forking thread has a new thread id, so a recursive mutex
// it holds cannot be unlocked there (EPERM): start it afresh instead.
void resetInChild() { new (&plannerMutex()) std::recursive_mutex(); }

}  // namespace fft
}  // namespace airy
