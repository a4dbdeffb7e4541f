#include "propagate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>

#include "mft.h"

namespace airy {
namespace prop {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kArcsecPerRad = 180.0 / kPi * 3600.0;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string where(size_t i) { return "step " + std::to_string(i); }

// The mask value at window pixel k (index into the window arrays).
inline cplx pupilValue(const Window& w, size_t k, double twoPiOverLambda) {
  const double a = w.amp ? w.amp[k] : 1.0;
  if (!w.opd) return {a, 0.0};
  const double ph = twoPiOverLambda * w.opd[k];
  return {a * std::cos(ph), a * std::sin(ph)};
}

// Rolls an N x N array by (s, s) pixels (cyclic), src -> dst.
void roll(const cplx* src, cplx* dst, int N, int s) {
  for (int i = 0; i < N; ++i) {
    const int di = (i + s) % N;
    const cplx* row = src + static_cast<size_t>(i) * N;
    cplx* drow = dst + static_cast<size_t>(di) * N;
    // dst[di][(j + s) % N] = row[j]: two contiguous pieces.
    std::memcpy(drow + s, row, sizeof(cplx) * (N - s));
    std::memcpy(drow, row + (N - s), sizeof(cplx) * s);
  }
}

// Copies an ny x nx block (row stride `stride`) of the field, times `scale`,
// undoing a checkerboard sign when `signed_` (origin of the sign at (sy, sx)).
void keepField(std::vector<Captured>* out, StepKind kind, const cplx* f, int ny, int nx, size_t stride,
               double scale, bool signed_ = false, int sy = 0, int sx = 0) {
  if (!out) return;
  Captured c;
  c.kind = kind;
  c.ny = ny;
  c.nx = nx;
  c.field.resize(static_cast<size_t>(ny) * nx);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      cplx v = f[static_cast<size_t>(y) * stride + x] * scale;
      if (signed_ && ((y + sy + x + sx) & 1)) v = -v;
      c.field[static_cast<size_t>(y) * nx + x] = v;
    }
  out->push_back(std::move(c));
}

double energy(const cplx* f, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; ++i) e += std::norm(f[i]);
  return e;
}

}  // namespace

std::mutex& poolMutex() {
  static std::mutex m;
  return m;
}
void lockForFork() { poolMutex().lock(); }
void unlockAfterFork() { poolMutex().unlock(); }
void resetInChild() { new (&poolMutex()) std::mutex(); }

void System::validate() const {
  if (npix <= 0 || padded < npix || !(pupilScale > 0) || !std::isfinite(pupilScale))
    throw Error("ERR_AIRY_SYSTEM", "compiled system has invalid sizes");
  if (steps.size() < 2 || steps.front().kind != StepKind::Pupil || steps.back().kind != StepKind::Detector)
    throw Error("ERR_AIRY_SYSTEM", "a system runs pupil -> ... -> detector");
  for (size_t i = 1; i < steps.size(); ++i) {
    const StepKind prev = steps[i - 1].kind, cur = steps[i].kind;
    const bool ok = (prev == StepKind::Pupil && cur != StepKind::Pupil) ||
                    (prev == StepKind::Image && cur == StepKind::Pupil);
    if (!ok) throw Error("ERR_AIRY_SYSTEM", where(i) + " does not follow from the one before");
  }
  const Step& d = steps.back();
  if (d.npixY <= 0 || d.npixX <= 0 || !(d.pixelscale > 0))
    throw Error("ERR_AIRY_SYSTEM", "detector has invalid size or pixel scale");
  const Window& w0 = steps.front().mask;
  if (w0.y0 != 0 || w0.x0 != 0 || w0.ny != npix || w0.nx != npix)
    throw Error("ERR_AIRY_SYSTEM", "the first pupil mask must cover the pupil grid");
  for (size_t i = 1; i < steps.size(); ++i) {
    const Window& w = steps[i].mask;
    if (steps[i].kind != StepKind::Pupil || w.empty()) continue;
    if (w.y0 < 0 || w.x0 < 0 || w.y0 + w.ny > padded || w.x0 + w.nx > padded)
      throw Error("ERR_AIRY_SYSTEM", where(i) + ": mask window outside the padded grid");
  }
}

void System::prepare() {
  validate();
  const Window& w = steps.front().mask;
  const size_t nn = static_cast<size_t>(npix) * npix;
  double e = 0;
  if (w.amp)
    for (size_t i = 0; i < nn; ++i) e += w.amp[i] * w.amp[i];
  else
    e = static_cast<double>(nn);
  if (!std::isfinite(e))
    throw Error(
        "ERR_AIRY_NONFINITE",
        "the entrance pupil (planes[0]): its summed intensity overflows; scale its transmissions down");
  pupilEnergy = e;
}

std::unique_ptr<System::Scratch> System::acquire() {
  {
    std::lock_guard<std::mutex> lock(poolMutex());
    if (!pool_.empty()) {
      auto s = std::move(pool_.back());
      pool_.pop_back();
      return s;
    }
  }
  auto s = std::make_unique<Scratch>();
  const bool fftPath = steps.size() > 2;
  const size_t n = fftPath ? static_cast<size_t>(padded) * padded : static_cast<size_t>(npix) * npix;
  s->a = AlignedBuffer<cplx>(n);
  if (fftPath) s->b = AlignedBuffer<cplx>(n);
  return s;
}

void System::release(std::unique_ptr<Scratch> s) {
  std::lock_guard<std::mutex> lock(poolMutex());
  pool_.push_back(std::move(s));
}

void System::dropScratch() {
  std::lock_guard<std::mutex> lock(poolMutex());
  pool_.clear();
  maskCache_.clear();
  maskCacheBytes_ = 0;
}

System::Masks System::sampleImagePlanes(double wavelength) const {
  const int N = padded;
  const int half = N / 2;
  raster::Grid grid{N, N, double(half), double(half), wavelength / (N * pupilScale) * kArcsecPerRad};
  const double k = 2 * kPi / wavelength;
  auto masks = std::make_shared<std::vector<ImageMask>>();
  for (const Step& st : steps) {
    if (st.kind != StepKind::Image) continue;
    ImageMask m;
    const ImageOptics& io = st.image;
    if (!io.layers.empty()) {
      const raster::Rect r = raster::windowFor(io.extent, grid);
      const raster::Sampled sm = raster::sample(io.layers, grid, r);
      m.values.resize(r.size());
      for (size_t i = 0; i < r.size(); ++i) {
        const double ph = sm.opd.empty() ? 0 : k * sm.opd[i];
        m.values[i] = {sm.amp[i] * std::cos(ph), sm.amp[i] * std::sin(ph)};
      }
      m.window.y0 = r.y0;
      m.window.x0 = r.x0;
      m.window.ny = r.ny;
      m.window.nx = r.nx;
      m.window.outside = {io.outside, 0.0};
    }
    masks->push_back(std::move(m));
  }
  for (auto& m : *masks) m.window.values = m.values.data();
  return masks;
}

System::Masks System::imageMasks(double wavelength) {
  {
    std::lock_guard<std::mutex> lock(poolMutex());
    for (const auto& e : maskCache_)
      if (e.first == wavelength) return e.second;
  }
  Masks m = sampleImagePlanes(wavelength);
  size_t bytes = 0;
  for (const auto& x : *m) bytes += x.values.size() * sizeof(cplx);
  std::lock_guard<std::mutex> lock(poolMutex());
  if (maskCacheBytes_ + bytes > kMaskCacheBytes) {
    maskCache_.clear();
    maskCacheBytes_ = 0;
  }
  if (bytes <= kMaskCacheBytes) {
    maskCache_.emplace_back(wavelength, m);
    maskCacheBytes_ += bytes;
  }
  return m;
}

namespace {

// Returns scratch buffers to the pool on every exit path.
struct Lease {
  System& sys;
  std::unique_ptr<System::Scratch> s;
  explicit Lease(System& y) : sys(y), s(y.acquire()) {}
  ~Lease() { sys.release(std::move(s)); }
};

// The final MFT to the detector and |.|^2 into `out`, scaled by `scale2`.
double toDetector(const Step& det, const cplx* in, int ny, int nx, int stride, double wavelength,
                  double pupilScale, double offY, double offX, double scale2, cplx* tmp, double* out) {
  mft::Params p;
  p.npupY = ny;
  p.npupX = nx;
  p.npixY = det.npixY;
  p.npixX = det.npixX;
  // Output field in units of lambda/D of the input array.
  const double lamDY = wavelength / (ny * pupilScale) * kArcsecPerRad;
  const double lamDX = wavelength / (nx * pupilScale) * kArcsecPerRad;
  p.nlamDY = det.npixY * det.pixelscale / lamDY;
  p.nlamDX = det.npixX * det.pixelscale / lamDX;
  p.centering = mft::Centering::Adjustable;
  p.offsetY = offY;
  p.offsetX = offX;
  p.inStride = stride;
  auto t0 = Clock::now();
  mft::transform<double>(p, in, tmp);
  const double k = since(t0);
  const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
  for (size_t i = 0; i < m; ++i) out[i] = std::norm(tmp[i]) * scale2;
  return k;
}

void captureDetector(std::vector<Captured>* out, const Step& det, const cplx* tmp, double scale2) {
  keepField(out, StepKind::Detector, tmp, det.npixY, det.npixX, det.npixX, std::sqrt(scale2));
}

void normalizeLast(double* out, size_t m) {
  double s = 0;
  for (size_t i = 0; i < m; ++i) s += out[i];
  if (!(s > 0)) throw Error("ERR_AIRY_NO_LIGHT", "no light reaches the detector; cannot normalize to 'last'");
  for (size_t i = 0; i < m; ++i) out[i] /= s;
}

// Pupil -> detector with no image plane: one MFT, the source offset as an
// MFT output offset, and a real-input MFT when the pupil has no OPD.
Timing direct(System& sys, const Wave& wave, const RunOptions& opts, double* out,
              std::vector<Captured>* capture, Clock::time_point t0) {
  Timing t;
  const Step& pupil = sys.steps.front();
  const Step& det = sys.steps.back();
  const Window& w = pupil.mask;
  const int n = sys.npix;
  const size_t nn = static_cast<size_t>(n) * n;
  const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
  const double e = sys.pupilEnergy;
  double scale2 = 1.0;
  if (opts.normalize == Normalize::First || opts.normalize == Normalize::ExitPupil) {
    if (!(e > 0)) throw Error("ERR_AIRY_NO_LIGHT", "the pupil transmits no light");
    scale2 = 1.0 / e;
  }
  const double offY = wave.tiltY / det.pixelscale, offX = wave.tiltX / det.pixelscale;
  AlignedBuffer<cplx> tmp(m);
  if (!w.opd) {
    std::vector<double> ones;
    const double* amp = w.amp;
    if (!amp) {
      ones.assign(nn, 1.0);
      amp = ones.data();
    }
    mft::Params p;
    p.npupY = p.npupX = n;
    p.npixY = det.npixY;
    p.npixX = det.npixX;
    const double lamD = wave.wavelength / (n * sys.pupilScale) * kArcsecPerRad;
    p.nlamDY = det.npixY * det.pixelscale / lamD;
    p.nlamDX = det.npixX * det.pixelscale / lamD;
    p.offsetY = offY;
    p.offsetX = offX;
    if (capture) {
      std::vector<cplx> f(nn);
      for (size_t i = 0; i < nn; ++i) f[i] = amp[i];
      keepField(capture, StepKind::Pupil, f.data(), n, n, n, std::sqrt(scale2));
    }
    auto k0 = Clock::now();
    mft::transformReal<double>(p, amp, tmp.data());
    t.kernelSeconds += since(k0);
    for (size_t i = 0; i < m; ++i) out[i] = std::norm(tmp.data()[i]) * scale2;
  } else {
    Lease lease(sys);
    cplx* f = lease.s->a.data();
    const double k = 2 * kPi / wave.wavelength;
    for (size_t i = 0; i < nn; ++i) f[i] = pupilValue(w, i, k);
    keepField(capture, StepKind::Pupil, f, n, n, n, std::sqrt(scale2));
    t.kernelSeconds +=
        toDetector(det, f, n, n, n, wave.wavelength, sys.pupilScale, offY, offX, scale2, tmp.data(), out);
  }
  captureDetector(capture, det, tmp.data(), scale2);
  if (opts.normalize == Normalize::Last) normalizeLast(out, m);
  t.totalSeconds = since(t0);
  return t;
}

}  // namespace

namespace {

// Multiplies the N x N image-plane field by mask window `w` (origin at pixel
// N/2), and by the window's constant outside it.
void applyImageMask(cplx* cur, int N, const Window& w) {
  if (w.outside != cplx(1.0, 0.0)) {
    // Outside the window: rows above and below, then the row margins.
    for (int y = 0; y < N; ++y) {
      cplx* row = cur + static_cast<size_t>(y) * N;
      const bool inRows = y >= w.y0 && y < w.y0 + w.ny;
      if (w.outside == cplx(0.0, 0.0)) {
        if (!inRows) {
          std::memset(static_cast<void*>(row), 0, sizeof(cplx) * N);
        } else {
          std::memset(static_cast<void*>(row), 0, sizeof(cplx) * w.x0);
          std::memset(static_cast<void*>(row + w.x0 + w.nx), 0, sizeof(cplx) * (N - w.x0 - w.nx));
        }
      } else {
        for (int x = 0; x < N; ++x)
          if (!inRows || x < w.x0 || x >= w.x0 + w.nx) row[x] *= w.outside;
      }
    }
  }
  for (int y = 0; y < w.ny; ++y) {
    cplx* row = cur + static_cast<size_t>(y + w.y0) * N + w.x0;
    const cplx* mv = w.values + static_cast<size_t>(y) * w.nx;
    for (int x = 0; x < w.nx; ++x) row[x] *= mv[x];
  }
}

// One wavelength through a system with image planes: the field lives on the
// padded N x N grid and goes pupil -> image -> pupil by FFT, then to the
// detector by MFT. Each step is a method; the state between steps is here.
class FftPath {
 public:
  FftPath(System& sys, const Wave& wave, const RunOptions& opts, std::vector<Captured>* capture, Lease& lease)
      : sys_(sys),
        wave_(wave),
        opts_(opts),
        capture_(capture),
        n_(sys.npix),
        N_(sys.padded),
        even_(N_ % 2 == 0),
        p0_((N_ - n_) / 2),
        k_(2 * kPi / wave.wavelength),
        cur_(lease.s->a.data()),
        other_(lease.s->b.data()),
        cropNy_(N_),
        cropNx_(N_) {}

  // The entrance pupil, written straight into the padded grid. The source
  // offset is a phase tilt exp(-2*pi*i*(x*tx + y*ty)/lambda): with the
  // forward transform's exp(+2*pi*i*x*u) it lands at (+tx, +ty).
  void entrancePupil() {
    const int n = n_, N = N_, p0 = p0_;
    const Window& w0 = sys_.steps.front().mask;
    double scale = 1.0;
    if (opts_.normalize == Normalize::First) {
      if (!(sys_.pupilEnergy > 0)) throw Error("ERR_AIRY_NO_LIGHT", "the entrance pupil transmits no light");
      scale = 1.0 / std::sqrt(sys_.pupilEnergy);
    }
    const std::vector<cplx> rampX = ramp(wave_.tiltX), rampY = ramp(wave_.tiltY);
    // The checkerboard (-1)^(i+j) before a forward FFT of even size puts the
    // zero frequency at N/2 (an fftshift for free).
    const bool sign = even_ && sys_.steps[1].kind == StepKind::Image;
    for (int i = 0; i < N; ++i) {
      cplx* row = cur_ + static_cast<size_t>(i) * N;
      const int pi = i - p0;
      if (pi < 0 || pi >= n) {
        std::memset(static_cast<void*>(row), 0, sizeof(cplx) * N);
        continue;
      }
      std::memset(static_cast<void*>(row), 0, sizeof(cplx) * p0);
      std::memset(static_cast<void*>(row + p0 + n), 0, sizeof(cplx) * (N - p0 - n));
      for (int pj = 0; pj < n; ++pj) {
        const int j = pj + p0;
        const double s = sign && ((i + j) & 1) ? -scale : scale;
        row[j] = pupilValue(w0, static_cast<size_t>(pi) * n + pj, k_) * rampY[pi] * rampX[pj] * s;
      }
    }
    // The entrance pupil as it enters the first transform, without the sign.
    keepField(capture_, StepKind::Pupil, cur_ + static_cast<size_t>(p0) * N + p0, n, n, N, 1.0, sign, p0, p0);
  }

  // Pupil -> image (forward FFT, exp(+2*pi*i*x*u), unitary), the mask, and
  // image -> pupil (inverse FFT, exp(-2*pi*i*x*u)).
  void imagePlane(const Window& mask) {
    const int N = N_, half = N_ / 2;
    transform(/*inverse=*/true);
    if (!even_) rollBy(half);
    applyImageMask(cur_, N, mask);
    keepField(capture_, StepKind::Image, cur_, N, N, N, 1.0);
    if (!even_) rollBy(N - half);
    transform(/*inverse=*/false);
    signPending_ = even_;
  }

  // A later pupil plane's mask. The inverse FFT left a checkerboard
  // (-1)^(y+x) on the field (even N); another forward FFT wants one put on.
  // Both fold into this pass, and cancel between two image planes.
  void laterPupil(size_t si, bool last) {
    const int N = N_;
    const Window& w = sys_.steps[si].mask;
    const bool nextIsDetector = sys_.steps[si + 1].kind == StepKind::Detector;
    const bool flip = signPending_ != (even_ && !nextIsDetector);
    const bool crop = nextIsDetector && !w.empty() && w.outside == cplx(0.0, 0.0) && !capture_;
    const cplx outside = w.empty() ? cplx(1.0, 0.0) : w.outside;
    for (int y = 0; y < N; ++y) {
      cplx* row = cur_ + static_cast<size_t>(y) * N;
      const bool inRows = !w.empty() && y >= w.y0 && y < w.y0 + w.ny;
      if (crop && !inRows) continue;  // never read by the cropped MFT
      for (int x = 0; x < N; ++x) {
        const bool in = inRows && x >= w.x0 && x < w.x0 + w.nx;
        if (!in && crop) continue;
        cplx v = in ? pupilValue(w, static_cast<size_t>(y - w.y0) * w.nx + (x - w.x0), k_) : outside;
        if (flip && ((y + x) & 1)) v = -v;
        row[x] = (v == cplx(0.0, 0.0)) ? cplx(0.0, 0.0) : row[x] * v;
      }
    }
    signPending_ = false;
    // A cropped view for the final MFT: the last pupil's window when
    // everything outside it is dark.
    cropY0_ = crop ? w.y0 : 0;
    cropX0_ = crop ? w.x0 : 0;
    cropNy_ = crop ? w.ny : N;
    cropNx_ = crop ? w.nx : N;
    if (last && opts_.normalize == Normalize::ExitPupil) {
      double e = 0;
      for (int y = 0; y < cropNy_; ++y) e += energy(cropRow(y), cropNx_);
      if (!(e > 0)) throw Error("ERR_AIRY_NO_LIGHT", "the exit pupil transmits no light");
      scale2_ = 1.0 / e;
    }
    keepField(capture_, StepKind::Pupil, cur_, N, N, N, std::sqrt(scale2_), even_ && !nextIsDetector);
  }

  // The final MFT of the (cropped) field and |.|^2 into `out`.
  void detector(const Step& det, double* out) {
    AIRY_ASSERT(!signPending_, "propagate: detector directly after an image plane");
    AlignedBuffer<cplx> tmp(static_cast<size_t>(det.npixY) * det.npixX);
    t_.kernelSeconds += toDetector(det, cropRow(0), cropNy_, cropNx_, N_, wave_.wavelength, sys_.pupilScale,
                                   0.0, 0.0, scale2_, tmp.data(), out);
    captureDetector(capture_, det, tmp.data(), scale2_);
  }

  Timing& timing() { return t_; }

 private:
  std::vector<cplx> ramp(double tiltArcsec) const {
    const double tilt = tiltArcsec / kArcsecPerRad, c = (n_ - 1) / 2.0;
    std::vector<cplx> r(n_);
    for (int j = 0; j < n_; ++j) {
      const double ph = -k_ * (j - c) * sys_.pupilScale * tilt;
      r[j] = {std::cos(ph), std::sin(ph)};
    }
    return r;
  }
  void transform(bool inverse) {
    const auto k0 = Clock::now();
    fft::transform<double>(cur_, other_, N_, N_, inverse, opts_.fftThreads, opts_.effort);
    t_.kernelSeconds += since(k0);
    std::swap(cur_, other_);
  }
  void rollBy(int s) {
    roll(cur_, other_, N_, s);
    std::swap(cur_, other_);
  }
  cplx* cropRow(int y) const { return cur_ + static_cast<size_t>(y + cropY0_) * N_ + cropX0_; }

  System& sys_;
  const Wave& wave_;
  const RunOptions& opts_;
  std::vector<Captured>* capture_;
  const int n_, N_;
  const bool even_;
  const int p0_;  // pupil grid origin inside the padded grid
  const double k_;
  cplx* cur_;
  cplx* other_;
  Timing t_;
  double scale2_ = 1.0;  // intensity scale still to apply at the detector
  bool signPending_ = false;
  int cropY0_ = 0, cropX0_ = 0, cropNy_, cropNx_;
};

}  // namespace

Timing propagate(System& sys, const Wave& wave, const RunOptions& opts, double* out,
                 std::vector<Captured>* capture) {
  const auto t0 = Clock::now();
  AIRY_ASSERT(wave.wavelength > 0 && std::isfinite(wave.wavelength), "propagate: bad wavelength");
  if (sys.steps.size() == 2) return direct(sys, wave, opts, out, capture, t0);
  const System::Masks masks = sys.imageMasks(wave.wavelength);
  size_t lastPupil = 0;
  for (size_t i = 0; i < sys.steps.size(); ++i)
    if (sys.steps[i].kind == StepKind::Pupil) lastPupil = i;
  Lease lease(sys);
  FftPath path(sys, wave, opts, capture, lease);
  path.entrancePupil();
  size_t imageIndex = 0;
  for (size_t si = 1; si < sys.steps.size(); ++si) {
    const Step& st = sys.steps[si];
    if (st.kind == StepKind::Image) {
      AIRY_ASSERT(imageIndex < masks->size(), "propagate: missing image mask");
      path.imagePlane((*masks)[imageIndex++].window);
    } else if (st.kind == StepKind::Pupil) {
      path.laterPupil(si, si == lastPupil);
    } else {
      path.detector(st, out);
    }
  }
  const Step& det = sys.steps.back();
  if (opts.normalize == Normalize::Last) normalizeLast(out, static_cast<size_t>(det.npixY) * det.npixX);
  Timing t = path.timing();
  t.totalSeconds = since(t0);
  return t;
}

}  // namespace prop
}  // namespace airy
