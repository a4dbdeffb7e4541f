#include "path_util.h"

#include <cstring>

#include "mft.h"

namespace airy {
namespace prop {

// Rolls an N x N array by (s, s) pixels (cyclic), src -> dst.
template <typename C>
void roll(const C* src, C* dst, int N, int s) {
  for (int i = 0; i < N; ++i) {
    const int di = (i + s) % N;
    const C* row = src + static_cast<size_t>(i) * N;
    C* drow = dst + static_cast<size_t>(di) * N;
    // dst[di][(j + s) % N] = row[j]: two contiguous pieces.
    std::memcpy(drow + s, row, sizeof(C) * (N - s));
    std::memcpy(drow, row + (N - s), sizeof(C) * s);
  }
}

// Copies an ny x nx block (row stride `stride`) of the field, times `scale`,
// undoing a checkerboard sign when `signed_` (origin of the sign at (sy, sx)).
template <typename C>
void keepField(std::vector<Captured>* out, StepKind kind, const C* f, int ny, int nx, size_t stride,
               double scale, bool signed_, int sy, int sx) {
  if (!out) return;
  Captured c;
  c.kind = kind;
  c.ny = ny;
  c.nx = nx;
  c.field.resize(static_cast<size_t>(ny) * nx);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      cplx v = cplx(f[static_cast<size_t>(y) * stride + x]) * scale;
      if (signed_ && ((y + sy + x + sx) & 1)) v = -v;
      c.field[static_cast<size_t>(y) * nx + x] = v;
    }
  out->push_back(std::move(c));
}

template <typename C>
double energy(const C* f, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; ++i) e += std::norm(cplx(f[i]));
  return e;
}

namespace {

// The MFT from an ny x nx field to the detector, in units of lambda/D of the
// input array.
mft::Params detectorParams(const Step& det, int ny, int nx, int stride, double wavelength, double pupilScale,
                           double offY, double offX) {
  mft::Params p;
  p.npupY = ny;
  p.npupX = nx;
  p.npixY = det.npixY;
  p.npixX = det.npixX;
  const double lamDY = wavelength / (ny * pupilScale) * kArcsecPerRad;
  const double lamDX = wavelength / (nx * pupilScale) * kArcsecPerRad;
  p.nlamDY = det.npixY * det.pixelscale / lamDY;
  p.nlamDX = det.npixX * det.pixelscale / lamDX;
  p.centering = mft::Centering::Adjustable;
  p.offsetY = offY;
  p.offsetX = offX;
  p.inStride = stride;
  return p;
}

template <typename C>
void intensity(const Step& det, const C* tmp, double scale2, double* out) {
  const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
  for (size_t i = 0; i < m; ++i) out[i] = std::norm(cplx(tmp[i])) * scale2;
}

// Complex input: mft::transform; real input: mft::transformReal.
template <typename R>
void detectorMft(const mft::Params& p, const std::complex<R>* in, std::complex<R>* tmp) {
  mft::transform<R>(p, in, tmp);
}
template <typename R>
void detectorMft(const mft::Params& p, const R* in, std::complex<R>* tmp) {
  mft::transformReal<R>(p, in, tmp);
}

// The intensity integrated over each pixel: the quadrature's weighted sum of
// MFTs whose output grids are shifted to its nodes; then, if `field`, the
// field at the pixel centres into `tmp` (one more MFT).
template <typename In, typename C>
double integratedOf(mft::Params p, const Step& det, const In* in, double scale2, C* tmp, double* out,
                    bool field) {
  const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
  const double offY = p.offsetY, offX = p.offsetX;
  std::fill(out, out + m, 0.0);
  const auto t0 = Clock::now();
  const size_t q = det.pixelNodes.size();
  for (size_t i = 0; i < q; ++i)
    for (size_t j = 0; j < q; ++j) {
      p.offsetY = offY - det.pixelNodes[i];
      p.offsetX = offX - det.pixelNodes[j];
      detectorMft(p, in, tmp);
      const double w = det.pixelWeights[i] * det.pixelWeights[j] * scale2;
      for (size_t k = 0; k < m; ++k) out[k] += w * std::norm(cplx(tmp[k]));
    }
  p.offsetY = offY;
  p.offsetX = offX;
  if (field) detectorMft(p, in, tmp);
  return since(t0);
}

template <typename In, typename C>
double toDetectorOf(const Step& det, const In* in, int ny, int nx, int stride, double wavelength,
                    double pupilScale, double offY, double offX, double scale2, C* tmp, double* out,
                    mft::Mirror mirror, bool field) {
  mft::Params p = detectorParams(det, ny, nx, stride, wavelength, pupilScale, offY, offX);
  p.mirror = mirror;
  if (!det.pixelNodes.empty()) return integratedOf(p, det, in, scale2, tmp, out, field);
  const auto t0 = Clock::now();
  detectorMft(p, in, tmp);
  const double k = since(t0);
  intensity(det, tmp, scale2, out);
  return k;
}

}  // namespace

template <typename R>
double toDetector(const Step& det, const std::complex<R>* in, int ny, int nx, int stride, double wavelength,
                  double pupilScale, double offY, double offX, double scale2, std::complex<R>* tmp,
                  double* out, bool field) {
  return toDetectorOf(det, in, ny, nx, stride, wavelength, pupilScale, offY, offX, scale2, tmp, out,
                      mft::Mirror::Unknown, field);
}

template <typename R>
double toDetector(const Step& det, const R* in, int ny, int nx, int stride, double wavelength,
                  double pupilScale, double offY, double offX, double scale2, std::complex<R>* tmp,
                  double* out, mft::Mirror mirror, bool field) {
  return toDetectorOf(det, in, ny, nx, stride, wavelength, pupilScale, offY, offX, scale2, tmp, out, mirror,
                      field);
}

std::vector<cplx> tiltRamp(int n, double pupilScale, double twoPiOverLambda, double tiltArcsec) {
  const double tilt = tiltArcsec / kArcsecPerRad, c = (n - 1) / 2.0;
  std::vector<cplx> r(n);
  for (int j = 0; j < n; ++j) {
    const double ph = -twoPiOverLambda * (j - c) * pupilScale * tilt;
    r[j] = {std::cos(ph), std::sin(ph)};
  }
  return r;
}

template <typename C>
void captureDetector(std::vector<Captured>* out, const Step& det, const C* tmp, double scale2) {
  keepField(out, StepKind::Detector, tmp, det.npixY, det.npixX, det.npixX, std::sqrt(scale2));
}

void normalizeLast(double* out, size_t m) {
  double s = 0;
  for (size_t i = 0; i < m; ++i) s += out[i];
  if (!(s > 0)) throw Error("ERR_AIRY_NO_LIGHT", "no light reaches the detector; cannot normalize to 'last'");
  for (size_t i = 0; i < m; ++i) out[i] /= s;
}

// Multiplies the N x N image-plane field by mask window `w` (origin at pixel
// N/2), and by the window's constant outside it.
template <typename C>
void applyImageMask(C* cur, int N, const Window& w) {
  if (w.outside != cplx(1.0, 0.0)) {
    const C outside(w.outside);
    // Outside the window: rows above and below, then the row margins.
    for (int y = 0; y < N; ++y) {
      C* row = cur + static_cast<size_t>(y) * N;
      const bool inRows = y >= w.y0 && y < w.y0 + w.ny;
      if (w.outside == cplx(0.0, 0.0)) {
        if (!inRows) {
          std::memset(static_cast<void*>(row), 0, sizeof(C) * N);
        } else {
          std::memset(static_cast<void*>(row), 0, sizeof(C) * w.x0);
          std::memset(static_cast<void*>(row + w.x0 + w.nx), 0, sizeof(C) * (N - w.x0 - w.nx));
        }
      } else {
        for (int x = 0; x < N; ++x)
          if (!inRows || x < w.x0 || x >= w.x0 + w.nx) row[x] *= outside;
      }
    }
  }
  for (int y = 0; y < w.ny; ++y) {
    C* row = cur + static_cast<size_t>(y + w.y0) * N + w.x0;
    const cplx* mv = w.values + static_cast<size_t>(y) * w.nx;
    for (int x = 0; x < w.nx; ++x) row[x] *= C(mv[x]);
  }
}

// The two precisions every path runs in.
#define AIRY_PATH_UTIL(R)                                                                                  \
  template void roll(const std::complex<R>*, std::complex<R>*, int, int);                                  \
  template void keepField(std::vector<Captured>*, StepKind, const std::complex<R>*, int, int, size_t,      \
                          double, bool, int, int);                                                         \
  template double energy(const std::complex<R>*, size_t);                                                  \
  template void applyImageMask(std::complex<R>*, int, const Window&);                                      \
  template double toDetector(const Step&, const std::complex<R>*, int, int, int, double, double, double,   \
                             double, double, std::complex<R>*, double*, bool);                             \
  template double toDetector(const Step&, const R*, int, int, int, double, double, double, double, double, \
                             std::complex<R>*, double*, mft::Mirror, bool);                                \
  template void captureDetector(std::vector<Captured>*, const Step&, const std::complex<R>*, double);
AIRY_PATH_UTIL(double)
AIRY_PATH_UTIL(float)
#undef AIRY_PATH_UTIL

}  // namespace prop
}  // namespace airy
