// Pieces every propagation path shares: mask values, field copies for
// returnIntermediates, the final MFT to the detector, and scratch leases.
// Internal to propagate.cc and pupil_grid.cc.
#pragma once

#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include "propagate.h"

namespace airy {
namespace prop {

constexpr double kPi = 3.14159265358979323846;
constexpr double kArcsecPerRad = 180.0 / kPi * 3600.0;

using Clock = std::chrono::steady_clock;
inline double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The mask value at window pixel k (index into the window arrays).
inline cplx pupilValue(const Window& w, size_t k, double twoPiOverLambda) {
  const double a = w.amp ? w.amp[k] : 1.0;
  if (!w.opd) return {a, 0.0};
  const double ph = twoPiOverLambda * w.opd[k];
  return {a * std::cos(ph), a * std::sin(ph)};
}

// The functions on fields below are built for float and double
// (path_util.cc); C is std::complex<R>.

// Rolls an N x N array by (s, s) pixels (cyclic), src -> dst.
template <typename C>
void roll(const C* src, C* dst, int N, int s);

// Copies an ny x nx block (row stride `stride`) of the field, times `scale`,
// undoing a checkerboard sign when `signed_` (origin of the sign at (sy, sx)).
template <typename C>
void keepField(std::vector<Captured>* out, StepKind kind, const C* f, int ny, int nx, size_t stride,
               double scale, bool signed_ = false, int sy = 0, int sx = 0);

// The sum of |f|^2, accumulated in double.
template <typename C>
double energy(const C* f, size_t n);

// Multiplies the N x N image-plane field by mask window `w` (origin at pixel
// N/2), and by the window's constant outside it.
template <typename C>
void applyImageMask(C* cur, int N, const Window& w);

// The final MFT of an ny x nx field (row stride `stride`) to the detector and
// |.|^2 into `out`, scaled by `scale2`; `tmp` receives the detector field at
// the pixel centres (when the step integrates over pixels, only if `field`).
// Returns the kernel seconds.
template <typename R>
double toDetector(const Step& det, const std::complex<R>* in, int ny, int nx, int stride, double wavelength,
                  double pupilScale, double offY, double offX, double scale2, std::complex<R>* tmp,
                  double* out, bool field = true);
// The same for a real field (a real GEMM, and the Hermitian output halved;
// `mirror`: the field's symmetry, when the caller knows it).
template <typename R>
double toDetector(const Step& det, const R* in, int ny, int nx, int stride, double wavelength,
                  double pupilScale, double offY, double offX, double scale2, std::complex<R>* tmp,
                  double* out, mft::Mirror mirror = mft::Mirror::Unknown, bool field = true);

// The source offset as a phase tilt along one pupil axis of n pixels,
// exp(-i k (j - c) dx tilt): with the forward transform's exp(+2 pi i x u) it
// lands at +tilt.
std::vector<cplx> tiltRamp(int n, double pupilScale, double twoPiOverLambda, double tiltArcsec);

// The calling thread's buffer for a detector field of n values, kept from
// wavelength to wavelength (a fresh one would fault its pages in every time).
template <typename C>
C* detectorField(size_t n) {
  struct Tag;
  return threadBuffer<C, Tag>(n);
}

template <typename C>
void captureDetector(std::vector<Captured>* out, const Step& det, const C* tmp, double scale2);
void normalizeLast(double* out, size_t m);

// Returns scratch buffers to the pool on every exit path.
template <typename R>
struct Lease {
  System& sys;
  std::unique_ptr<Scratch<R>> s;
  explicit Lease(System& y) : sys(y), s(y.acquire<R>()) {}
  ~Lease() { sys.release<R>(std::move(s)); }
};

// Runs a path's steps in the system's order: entrancePupil(), then
// imagePlane(step, mask), laterPupil(step index, is the last pupil) and
// detector(step, out).
template <typename Path>
void walk(Path& path, const System& sys, const std::vector<ImageMask>& masks, double* out) {
  size_t lastPupil = 0;
  for (size_t i = 0; i < sys.steps.size(); ++i)
    if (sys.steps[i].kind == StepKind::Pupil) lastPupil = i;
  path.entrancePupil();
  size_t imageIndex = 0;
  for (size_t si = 1; si < sys.steps.size(); ++si) {
    const Step& st = sys.steps[si];
    if (st.kind == StepKind::Image) {
      AIRY_ASSERT(imageIndex < masks.size(), "propagate: missing image mask");
      path.imagePlane(st, masks[imageIndex++]);
    } else if (st.kind == StepKind::Pupil) {
      path.laterPupil(si, si == lastPupil);
    } else {
      path.detector(st, out);
    }
  }
}

// One wavelength through a system whose fields stay on the pupil grid
// (pupil_grid.cc): image planes by MFT boxes or by a local padded FFT.
template <typename R>
Timing pupilGridPath(System& sys, const Wave& wave, const RunOptions& opts, double* out,
                     std::vector<Captured>* capture, const System::Masks& masks);

}  // namespace prop
}  // namespace airy
