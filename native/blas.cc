// GEMM wrappers and the runtime BLAS probe.
//
// airy declares the few CBLAS entry points it uses itself instead of including
// a vendor's cblas.h: the headers differ between OpenBLAS, BLIS, ATLAS, MKL and
// Netlib, but the C ABI of these functions is the same everywhere.

#include "blas.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include "common.h"

extern "C" {
void cblas_zgemm(int order, int transA, int transB, int M, int N, int K, const void* alpha, const void* A,
                 int lda, const void* B, int ldb, const void* beta, void* C, int ldc);
void cblas_cgemm(int order, int transA, int transB, int M, int N, int K, const void* alpha, const void* A,
                 int lda, const void* B, int ldb, const void* beta, void* C, int ldc);
void cblas_dgemm(int order, int transA, int transB, int M, int N, int K, double alpha, const double* A,
                 int lda, const double* B, int ldb, double beta, double* C, int ldc);
void cblas_sgemm(int order, int transA, int transB, int M, int N, int K, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc);
#ifdef AIRY_BUNDLED_OPENBLAS
char* openblas_get_config();
char* openblas_get_corename();
int openblas_get_parallel();
int openblas_get_num_threads();
void openblas_set_num_threads(int n);
#endif
}

namespace airy {
namespace blas {
namespace {

constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;

std::atomic<bool> g_threads_started{false};

void noteThreadedCall() {
  if (!g_threads_started.load(std::memory_order_relaxed) && getThreads() > 1)
    g_threads_started.store(true, std::memory_order_relaxed);
}

// Symbols looked up in the library that provides cblas_zgemm and in its
// dependencies (dlsym on a handle searches both).
void* g_handle = nullptr;

#ifdef AIRY_BUNDLED_OPENBLAS
// OpenBLAS linked into the addon with its symbols hidden: dlsym cannot see
// them, so its own API is reached directly.
void* bundled(const char* name) {
  static const std::pair<const char*, void*> table[] = {
      {"openblas_get_config", reinterpret_cast<void*>(&openblas_get_config)},
      {"openblas_get_corename", reinterpret_cast<void*>(&openblas_get_corename)},
      {"openblas_get_parallel", reinterpret_cast<void*>(&openblas_get_parallel)},
      {"openblas_get_num_threads", reinterpret_cast<void*>(&openblas_get_num_threads)},
      {"openblas_set_num_threads", reinterpret_cast<void*>(&openblas_set_num_threads)},
  };
  for (const auto& [n, f] : table)
    if (std::strcmp(n, name) == 0) return f;
  return nullptr;
}
#else
void* bundled(const char*) { return nullptr; }
#endif

template <typename F>
F sym(const char* name) {
  if (void* f = bundled(name)) return reinterpret_cast<F>(f);
  if (!g_handle) return nullptr;
  return reinterpret_cast<F>(dlsym(g_handle, name));
}

std::string realPath(const std::string& p) {
  char buf[PATH_MAX];
  if (realpath(p.c_str(), buf)) return buf;
  return p;
}

// "…/libblas.so.3.10.3" -> "3.10.3"
std::string versionFromSoname(const std::string& path) {
  auto pos = path.find(".so.");
  if (pos == std::string::npos) return "";
  return path.substr(pos + 4);
}

int envInt(const char* name, int fallback) {
  const char* v = getenv(name);
  if (!v || !*v) return fallback;
  int n = atoi(v);
  return n > 0 ? n : fallback;
}

Info probe() {
  Info in;
  Dl_info dl{};
  if (dladdr(reinterpret_cast<void*>(&cblas_zgemm), &dl) && dl.dli_fname) {
    in.library = realPath(dl.dli_fname);
    g_handle = dlopen(dl.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  }
#ifdef AIRY_BUNDLED_OPENBLAS
  in.bundled = true;
#endif
  const std::string& lib = in.library;
  auto has = [](const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; };

  if (auto backend = sym<void (*)(char*, size_t)>("flexiblas_current_backend")) {
    char name[256] = {0};
    backend(name, sizeof(name));
    in.vendor = "flexiblas";
    in.kernel = name;
    if (auto ver = sym<int (*)(int*, int*, int*)>("flexiblas_get_version")) {
      int a = 0, b = 0, c = 0;
      ver(&a, &b, &c);
      in.version = std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c);
    }
    in.threading = "unknown";
    in.threadsSettable = sym<void*>("flexiblas_set_num_threads") != nullptr;
  } else if (auto mklver = sym<void (*)(char*, int)>("MKL_Get_Version_String")) {
    char buf[256] = {0};
    mklver(buf, sizeof(buf));
    in.vendor = "mkl";
    in.config = buf;
    // "Intel(R) oneAPI Math Kernel Library Version 2024.0.0 Product Build …"
    auto pos = in.config.find("Version ");
    if (pos != std::string::npos) {
      auto rest = in.config.substr(pos + 8);
      in.version = rest.substr(0, rest.find(' '));
    }
    in.threading = sym<void*>("MKL_Set_Num_Threads") ? "openmp" : "sequential";
    if (has(lib, "sequential")) in.threading = "sequential";
    if (has(lib, "tbb")) in.threading = "tbb";
    in.threadsSettable = true;
  } else if (auto cfg = sym<const char* (*)()>("openblas_get_config")) {
    in.vendor = "openblas";
    in.config = cfg();
    // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"
    if (in.config.rfind("OpenBLAS ", 0) == 0) {
      auto rest = in.config.substr(9);
      in.version = rest.substr(0, rest.find(' '));
    }
    if (auto core = sym<const char* (*)()>("openblas_get_corename")) in.kernel = core();
    int par = -1;
    if (auto p = sym<int (*)()>("openblas_get_parallel")) par = p();
    in.threading = par == 0 ? "sequential" : par == 1 ? "pthreads" : par == 2 ? "openmp" : "unknown";
    in.threadsSettable = sym<void*>("openblas_set_num_threads") != nullptr;
  } else if (auto bver = sym<const char* (*)()>("bli_info_get_version_str")) {
    in.vendor = "blis";
    in.version = bver();
    auto qid = sym<int (*)()>("bli_arch_query_id");
    auto astr = sym<const char* (*)(int)>("bli_arch_string");
    if (qid && astr) in.kernel = astr(qid());
    in.threading = sym<void*>("omp_get_max_threads") ? "openmp"
                   : sym<void*>("pthread_create")    ? "pthreads"
                                                     : "sequential";
    in.threadsSettable = sym<void*>("bli_thread_set_num_threads") != nullptr;
  } else if (has(lib, "Accelerate.framework") || has(lib, "vecLib")) {
    in.vendor = "accelerate";
    in.threading = "gcd";
    in.threadsSettable = false;
  } else if (sym<void*>("ATL_buildinfo")) {
    in.vendor = "atlas";
    in.version = versionFromSoname(lib);
    in.threading = (has(lib, "ptatlas") || sym<void*>("ATL_NCPU")) ? "pthreads" : "sequential";
  } else if (sym<void*>("dgemm_batch_") && sym<void*>("cgemm3m_")) {
    // BLIS's BLAS-compatibility build (Debian's libblas.so.3 from libblis)
    // hides its bli_* API but keeps these BLIS-only extensions.
    in.vendor = "blis";
    in.version = "";
    in.threading = sym<void*>("omp_get_max_threads") ? "openmp" : "sequential";
  } else if (sym<void*>("cblas_zgemm")) {
    in.vendor = has(lib, "blis") ? "blis" : has(lib, "atlas") ? "atlas" : "reference";
    if (in.vendor == "reference") {
      in.version = versionFromSoname(lib);
      in.threading = "sequential";
    } else {
      in.threading = "unknown";
    }
  } else {
    in.vendor = "unknown";
    in.threading = "unknown";
  }
  return in;
}

Info& cached() {
  static Info info = probe();
  return info;
}

}  // namespace

const Info& info() {
  Info& in = cached();
  in.threads = getThreads();
  return in;
}

int getThreads() {
  const Info& in = cached();
  if (in.vendor == "openblas") {
    if (auto f = sym<int (*)()>("openblas_get_num_threads")) return f();
  } else if (in.vendor == "mkl") {
    if (auto f = sym<int (*)()>("MKL_Get_Max_Threads")) return f();
  } else if (in.vendor == "flexiblas") {
    if (auto f = sym<int (*)()>("flexiblas_get_num_threads")) return f();
  } else if (in.vendor == "blis") {
    if (auto f = sym<int64_t (*)()>("bli_thread_get_num_threads")) {
      int64_t n = f();
      return n > 0 ? static_cast<int>(n) : 1;
    }
    if (in.threading == "openmp") return envInt("BLIS_NUM_THREADS", 1);
  } else if (in.vendor == "accelerate") {
    return envInt("VECLIB_MAXIMUM_THREADS", -1);
  }
  return in.threading == "sequential" ? 1 : -1;
}

bool setThreads(int n) {
  const Info& in = cached();
  if (n < 1) return false;
  // Latch whether the pool started at load before the count changes: after
  // openblas_set_num_threads(1) the count no longer tells.
  (void)threadsStarted();
  if (in.vendor == "openblas") {
    if (auto f = sym<void (*)(int)>("openblas_set_num_threads")) return f(n), true;
  } else if (in.vendor == "mkl") {
    if (auto f = sym<void (*)(int)>("MKL_Set_Num_Threads")) return f(n), true;
  } else if (in.vendor == "flexiblas") {
    if (auto f = sym<void (*)(int)>("flexiblas_set_num_threads")) return f(n), true;
  } else if (in.vendor == "blis") {
    if (auto f = sym<void (*)(int64_t)>("bli_thread_set_num_threads")) return f(n), true;
  }
  // Sequential libraries are always at one thread: asking for one succeeds.
  return n == 1 && in.threading == "sequential";
}

bool threadsStarted() {
  const Info& in = cached();
  // OpenBLAS's pthreads build starts its worker pool when it is loaded.
  if (in.vendor == "openblas" && in.threading == "pthreads") {
    static const bool at_load = [] {
      auto f = sym<int (*)()>("openblas_get_num_threads");
      return f && f() > 1;
    }();
    if (at_load) return true;
  }
  return g_threads_started.load(std::memory_order_relaxed);
}

void zgemm(int M, int N, int K, const std::complex<double>* A, const std::complex<double>* B,
           std::complex<double>* C, int lda) {
  noteThreadedCall();
  const std::complex<double> one(1.0, 0.0), zero(0.0, 0.0);
  cblas_zgemm(kRowMajor, kNoTrans, kNoTrans, M, N, K, &one, A, lda > 0 ? lda : K, B, N, &zero, C, N);
}

void cgemm(int M, int N, int K, const std::complex<float>* A, const std::complex<float>* B,
           std::complex<float>* C, int lda) {
  noteThreadedCall();
  const std::complex<float> one(1.0f, 0.0f), zero(0.0f, 0.0f);
  cblas_cgemm(kRowMajor, kNoTrans, kNoTrans, M, N, K, &one, A, lda > 0 ? lda : K, B, N, &zero, C, N);
}

void dgemm(int M, int N, int K, const double* A, const double* B, double* C, int lda, int ldb, int ldc) {
  noteThreadedCall();
  cblas_dgemm(kRowMajor, kNoTrans, kNoTrans, M, N, K, 1.0, A, lda > 0 ? lda : K, B, ldb > 0 ? ldb : N, 0.0, C,
              ldc > 0 ? ldc : N);
}

void sgemm(int M, int N, int K, const float* A, const float* B, float* C, int lda, int ldb, int ldc) {
  noteThreadedCall();
  cblas_sgemm(kRowMajor, kNoTrans, kNoTrans, M, N, K, 1.0f, A, lda > 0 ? lda : K, B, ldb > 0 ? ldb : N, 0.0f,
              C, ldc > 0 ? ldc : N);
}

}  // namespace blas
}  // namespace airy
