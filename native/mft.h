// Matrix Fourier transform (Soummer et al. 2007) on GEMM, with POPPY's
// centring conventions and a cache of exponential kernels.
#pragma once

#include <complex>
#include <cstddef>

namespace airy {
namespace mft {

enum class Centering { Adjustable = 0, Symmetric = 1, FftStyle = 2 };

// How a real input is symmetric: under x -> -x (columns reversed), and
// under y -> -y too. Unknown: transformReal finds out by a scan.
enum class Mirror { Unknown, None, X, XY };

// Both symmetries: the narrower of the two.
inline Mirror both(Mirror a, Mirror b) {
  if (a == Mirror::None || b == Mirror::None || a == Mirror::Unknown || b == Mirror::Unknown)
    return Mirror::None;
  return a == Mirror::XY && b == Mirror::XY ? Mirror::XY : Mirror::X;
}

struct Params {
  int npupY = 0, npupX = 0;  // input shape
  int npixY = 0, npixX = 0;  // output shape
  double nlamDY = 0, nlamDX = 0;
  Centering centering = Centering::Adjustable;
  double offsetY = 0, offsetX = 0;  // output-pixel offset (ADJUSTABLE only)
  bool inverse = false;
  int inStride = 0;                 // input row stride in elements (0 = npupX): a sub-array
  Mirror mirror = Mirror::Unknown;  // a real input's symmetry, when the caller knows it
};

// The symmetry of a real ny x nx plane (row stride ld), to 1e-13 of its
// largest magnitude; None when it holds a NaN or Inf.
template <typename R>
Mirror mirrorOf(const R* in, int ny, int nx, int ld);

// out (npixY x npixX complex) = MFT of a complex input (npupY x npupX).
template <typename R>
void transform(const Params& p, const std::complex<R>* in, std::complex<R>* out);

// Same for a real-valued input plane: the first product is one real GEMM
// (half the arithmetic of the complex path); on mirrored grids an input
// symmetric under x -> -x (p.mirror, or found by a scan) folds to a quarter.
template <typename R>
void transformReal(const Params& p, const R* in, std::complex<R>* out);

// The real output of a transform whose input is Hermitian on a mirrored
// grid (in(ny-1-v, nx-1-u) = conj(in(v, u)); ADJUSTABLE or SYMMETRIC
// centring): half the input rows enter, and the second product is one real
// GEMM. out: npixY x npixX, row stride `outStride` (0 = npixX).
template <typename R>
void transformHermitian(const Params& p, const std::complex<R>* in, R* out, int outStride = 0);

// Kernel cache statistics, and a way to empty it.
struct CacheStats {
  size_t entries = 0;
  size_t bytes = 0;
  size_t hits = 0;
  size_t misses = 0;
};
CacheStats cacheStats();
void clearCache();

// Held across fork() by forkrun's atfork handlers.
void lockForFork();
void unlockAfterFork();
void resetInChild();

}  // namespace mft
}  // namespace airy
