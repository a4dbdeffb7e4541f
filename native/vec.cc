// Element-wise loops on hot paths, compiled once per x86 vector width and
// picked at load time for the CPU at hand (GCC/Clang function multiversioning
// through ifunc). The addon itself is built for the baseline ISA so one
// binary runs everywhere; these loops are memory passes inside the FFT, where
// SSE2 alone cost ~8% of a 512x512 transform and AVX2/AVX-512 cost 2-4%.
#include "common.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(AIRY_NO_TARGET_CLONES)
#define AIRY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define AIRY_CLONES
#endif

namespace airy {
namespace {

// x*0 is 0 for finite x and NaN otherwise; sixteen independent accumulators
// let the compiler vectorise the check (one serial sum would not).
template <typename R>
__attribute__((always_inline)) inline bool scaleAndCheckBody(R* x, size_t n, R scale) {
  constexpr size_t kLanes = 16;
  R acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      x[i + j] *= scale;
      acc[j] += x[i + j] * R(0);
    }
  }
  R tail = 0;
  for (; i < n; ++i) {
    x[i] *= scale;
    tail += x[i] * R(0);
  }
  for (size_t j = 0; j < kLanes; ++j) tail += acc[j];
  return tail == R(0);
}

}  // namespace

AIRY_CLONES bool scaleAndCheck(double* x, size_t n, double scale) { return scaleAndCheckBody(x, n, scale); }

AIRY_CLONES bool scaleAndCheck(float* x, size_t n, float scale) { return scaleAndCheckBody(x, n, scale); }

}  // namespace airy
