// BLAS access: GEMM wrappers over CBLAS, and a runtime probe that finds out
// which BLAS library the process actually resolved its GEMM symbols from.
#pragma once

#include <complex>
#include <string>
#include <vector>

namespace airy {
namespace blas {

// C = A * B, row-major, no transposes. A is MxK, B is KxN, C is MxN, with
// row strides lda, ldb, ldc in elements (0 = packed: K, N, N).
void zgemm(int M, int N, int K, const std::complex<double>* A, const std::complex<double>* B,
           std::complex<double>* C, int lda = 0);
void cgemm(int M, int N, int K, const std::complex<float>* A, const std::complex<float>* B,
           std::complex<float>* C, int lda = 0);
void dgemm(int M, int N, int K, const double* A, const double* B, double* C, int lda = 0, int ldb = 0,
           int ldc = 0);
void sgemm(int M, int N, int K, const float* A, const float* B, float* C, int lda = 0, int ldb = 0,
           int ldc = 0);

template <typename R>
inline void gemm(int M, int N, int K, const std::complex<R>* A, const std::complex<R>* B, std::complex<R>* C,
                 int lda = 0);
template <>
inline void gemm<double>(int M, int N, int K, const std::complex<double>* A, const std::complex<double>* B,
                         std::complex<double>* C, int lda) {
  zgemm(M, N, K, A, B, C, lda);
}
template <>
inline void gemm<float>(int M, int N, int K, const std::complex<float>* A, const std::complex<float>* B,
                        std::complex<float>* C, int lda) {
  cgemm(M, N, K, A, B, C, lda);
}
inline void rgemm(int M, int N, int K, const double* A, const double* B, double* C, int lda = 0, int ldb = 0,
                  int ldc = 0) {
  dgemm(M, N, K, A, B, C, lda, ldb, ldc);
}
inline void rgemm(int M, int N, int K, const float* A, const float* B, float* C, int lda = 0, int ldb = 0,
                  int ldc = 0) {
  sgemm(M, N, K, A, B, C, lda, ldb, ldc);
}

struct Info {
  std::string vendor;     // openblas | mkl | blis | atlas | flexiblas | accelerate | reference | unknown
  std::string version;    // "" when the library does not say
  std::string library;    // resolved path of the library providing cblas_zgemm
  std::string threading;  // pthreads | openmp | sequential | gcd | tbb | unknown
  std::string kernel;     // OpenBLAS core name, BLIS arch, MKL/FlexiBLAS backend; "" if n/a
  std::string config;     // vendor's own configuration string, if any
  bool bundled = false;   // linked into the addon (prebuilt binaries), not a shared library
  int threads = 1;        // current thread count (-1 if unknown)
  bool threadsSettable = false;
};

// Probes once (cached); cheap afterwards.
const Info& info();
// Sets the BLAS thread count where the vendor allows it. Returns false if not.
bool setThreads(int n);
int getThreads();
// True once BLAS threads have run in this process: a GEMM with more than one
// thread, or (OpenBLAS pthreads) a pool started when the library was loaded.
bool threadsStarted();

}  // namespace blas
}  // namespace airy
