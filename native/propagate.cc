#include "propagate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "bandlimit.h"
#include "mft.h"
#include "path_util.h"

namespace airy {
namespace prop {
namespace {

std::string where(size_t i) { return "step " + std::to_string(i); }

}  // namespace

std::mutex& poolMutex() {
  static std::mutex m;
  return m;
}
void lockForFork() { poolMutex().lock(); }
void unlockAfterFork() { poolMutex().unlock(); }
void resetInChild() { new (&poolMutex()) std::mutex(); }

namespace {

// How a later pupil's window is symmetric about the pupil grid's centre
// (origin p0 in the padded grid): centred, real, and its values symmetric.
mft::Mirror windowMirror(const Window& w, int p0, int npix) {
  if (w.empty() || w.opd || 2 * w.y0 + w.ny != 2 * p0 + npix || 2 * w.x0 + w.nx != 2 * p0 + npix)
    return mft::Mirror::None;
  return w.amp ? mft::mirrorOf(w.amp, w.ny, w.nx, w.nx) : mft::Mirror::XY;
}

}  // namespace

void System::validate() const {
  if (fresnel) {
    if (npix <= 0 || padded < npix || steps.size() != 2 || steps.back().kind != StepKind::Detector ||
        steps.back().npixY <= 0 || steps.back().npixX <= 0)
      throw Error("ERR_AIRY_SYSTEM", "compiled Fresnel system has invalid sizes");
    fresnel::validate(*fresnel, npix, padded);
    return;
  }
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
  bool mft = false;
  for (const Step& st : steps)
    mft = mft || (st.kind == StepKind::Image && st.image.method == ImageMethod::Mft);
  const int p0 = (padded - npix) / 2;
  for (size_t i = 1; i < steps.size(); ++i) {
    const Step& st = steps[i];
    const Window& w = st.mask;
    const bool vortexMft = st.kind == StepKind::Image && st.image.analytic && vortex::is(st.image.layers);
    if (st.kind == StepKind::Image && st.image.method == ImageMethod::Mft &&
        !((vortexMft || (st.image.extent > 0 && std::isfinite(st.image.extent))) && st.image.sampling > 0 &&
          std::isfinite(st.image.sampling)))
      throw Error("ERR_AIRY_SYSTEM", where(i) + ": an MFT image plane needs a finite extent and a sampling");
    if (st.kind != StepKind::Pupil) continue;
    // On the pupil grid, light outside it is lost: every later pupil must be
    // dark there.
    if (mft && (w.empty() || w.outside != cplx(0.0, 0.0) || w.y0 < p0 || w.x0 < p0 ||
                w.y0 + w.ny > p0 + npix || w.x0 + w.nx > p0 + npix))
      throw Error("ERR_AIRY_SYSTEM",
                  where(i) + ": with MFT image planes, later pupils must be dark outside the pupil grid");
    if (w.empty()) continue;
    if (w.y0 < 0 || w.x0 < 0 || w.y0 + w.ny > padded || w.x0 + w.nx > padded)
      throw Error("ERR_AIRY_SYSTEM", where(i) + ": mask window outside the padded grid");
  }
}

void System::prepare() {
  validate();
  if (fresnel) return;
  const Window& w = steps.front().mask;
  const size_t nn = static_cast<size_t>(npix) * npix;
  // The energy the caller measured (the aperture's, not its samples'), else the samples' sum of squares.
  double e = pupilEnergy;
  if (!(e > 0) && w.amp)
    for (size_t i = 0; i < nn; ++i) e += w.amp[i] * w.amp[i];
  else if (!(e > 0))
    e = static_cast<double>(nn);
  if (!std::isfinite(e))
    throw Error(
        "ERR_AIRY_NONFINITE",
        "the entrance pupil (planes[0]): its summed intensity overflows; scale its transmissions down");
  pupilEnergy = e;
  entranceMirror = w.amp ? mft::mirrorOf(w.amp, npix, npix, npix) : mft::Mirror::XY;
  const int p0 = (padded - npix) / 2;
  for (Step& st : steps)
    if (st.kind == StepKind::Pupil && &st != &steps.front()) st.mirror = windowMirror(st.mask, p0, npix);
  pupilGrid = paddedFft = vortexPlane = false;
  for (const Step& st : steps) {
    if (st.kind != StepKind::Image) continue;
    if (st.image.method == ImageMethod::Mft)
      pupilGrid = true;
    else
      paddedFft = true;
    if (st.image.method == ImageMethod::Mft && st.image.analytic && vortex::is(st.image.layers))
      vortexPlane = true;
  }
}

template <>
std::vector<std::unique_ptr<Scratch<double>>>& System::pool<double>() {
  return pool_;
}
template <>
std::vector<std::unique_ptr<Scratch<float>>>& System::pool<float>() {
  return poolSingle_;
}

template <typename R>
std::unique_ptr<Scratch<R>> System::acquire() {
  using C = std::complex<R>;
  {
    std::lock_guard<std::mutex> lock(poolMutex());
    auto& p = pool<R>();
    if (!p.empty()) {
      auto s = std::move(p.back());
      p.pop_back();
      return s;
    }
  }
  auto s = std::make_unique<Scratch<R>>();
  if (fresnel) {
    const size_t NN = static_cast<size_t>(padded) * padded;
    s->a = AlignedBuffer<C>(NN);
    s->b = AlignedBuffer<C>(NN);
    return s;
  }
  if (pupilGrid) {
    const size_t nn = static_cast<size_t>(npix) * npix, NN = static_cast<size_t>(padded) * padded;
    s->a = AlignedBuffer<C>(nn);
    s->b = AlignedBuffer<C>(nn);
    s->re = AlignedBuffer<R>(nn);
    if (paddedFft) {
      s->pa = AlignedBuffer<C>(NN);
      s->pb = AlignedBuffer<C>(NN);
    }
    if (vortexPlane) {
      const size_t VV = 4 * nn;
      s->va = AlignedBuffer<C>(VV);
      s->vb = AlignedBuffer<C>(VV);
    }
    return s;
  }
  const bool fftPath = steps.size() > 2;
  const size_t n = fftPath ? static_cast<size_t>(padded) * padded : static_cast<size_t>(npix) * npix;
  s->a = AlignedBuffer<C>(n);
  if (fftPath) s->b = AlignedBuffer<C>(n);
  return s;
}

template <typename R>
void System::release(std::unique_ptr<Scratch<R>> s) {
  std::lock_guard<std::mutex> lock(poolMutex());
  pool<R>().push_back(std::move(s));
}

template std::unique_ptr<Scratch<double>> System::acquire<double>();
template std::unique_ptr<Scratch<float>> System::acquire<float>();
template void System::release<double>(std::unique_ptr<Scratch<double>>);
template void System::release<float>(std::unique_ptr<Scratch<float>>);

std::shared_ptr<const std::vector<float>> System::entranceAmplitudeSingle() {
  std::lock_guard<std::mutex> lock(poolMutex());
  if (!entranceSingle_) {
    const Window& w = steps.front().mask;
    const size_t nn = static_cast<size_t>(npix) * npix;
    auto a = std::make_shared<std::vector<float>>(nn, 1.0f);
    if (w.amp) std::copy(w.amp, w.amp + nn, a->begin());
    entranceSingle_ = a;
  }
  return entranceSingle_;
}

void System::dropScratch() {
  std::lock_guard<std::mutex> lock(poolMutex());
  pool_.clear();
  poolSingle_.clear();
  entranceSingle_.reset();
  maskCache_.clear();
  maskCacheBytes_ = 0;
  for (Step& st : steps) st.image.vortexLevels.reset();
}

namespace {

// Sampled optics as complex values, their OPD taken at wavenumber k.
std::vector<cplx> complexValues(const raster::Sampled& sm, double k) {
  std::vector<cplx> v(sm.amp.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double ph = (sm.opd.empty() ? 0 : k * sm.opd[i]) + (sm.phase.empty() ? 0 : sm.phase[i]);
    v[i] = {sm.amp[i] * std::cos(ph), sm.amp[i] * std::sin(ph)};
  }
  return v;
}

// An image plane's optics on the FFT's padded grid: a window around them.
ImageMask onPaddedGrid(const ImageOptics& io, const raster::Grid& grid, double k) {
  ImageMask m;
  if (io.layers.empty()) return m;
  const raster::Rect r = raster::windowFor(io.extent, grid);
  const raster::Sampled sm = raster::sample(io.layers, grid, r);
  m.values = complexValues(sm, k);
  m.window.y0 = r.y0;
  m.window.x0 = r.x0;
  m.window.ny = r.ny;
  m.window.nx = r.nx;
  m.window.outside = {io.outside, 0.0};
  return m;
}

// Whether a real mask is the same under (y, x) -> (-y, -x) on its (odd,
// centred) box, to rounding: then the image-plane field stays Hermitian.
bool centrosymmetric(const std::vector<cplx>& v) {
  const size_t n = v.size();
  for (size_t i = 0; i < n / 2; ++i)
    if (std::abs(v[i].real() - v[n - 1 - i].real()) > 1e-12) return false;
  return true;
}

// An image plane's optics on its MFT box: odd, centred on the axis, reaching
// a sample past the extent (analytic masks: past their spill too).
ImageMask onBox(const ImageOptics& io, double lamD, double k) {
  ImageMask m;
  m.pixel = lamD / io.sampling;
  const double reach = io.extent / m.pixel + (io.analytic ? bandlimit::margin(io.sampling) * io.sampling : 0);
  const double half = std::ceil(reach) + 1;
  if (!(half < 8192))
    throw Error("ERR_AIRY_SYSTEM",
                "an MFT image-plane box of " + std::to_string(2 * static_cast<long long>(half) + 1) +
                    " samples a side is too large; lower maskSampling or use propagation 'fft'");
  m.box = 2 * static_cast<int>(half) + 1;
  if (io.analytic) {
    double outside = 0;
    const std::vector<double> dt = bandlimit::sample(io.layers, m.box, m.pixel, lamD, outside);
    AIRY_ASSERT(std::abs(outside - io.outside) < 1e-12, "bandlimit: the plane's outside value differs");
    m.values.resize(dt.size());
    for (size_t i = 0; i < dt.size(); ++i) m.values[i] = io.outside + dt[i];
    m.hermitian = centrosymmetric(m.values);
    m.mirror = mft::mirrorOf(dt.data(), m.box, m.box, m.box);
    return m;
  }
  const raster::Grid grid{m.box, m.box, half, half, m.pixel};
  const raster::Rect r{0, 0, m.box, m.box};
  const raster::Sampled sm = raster::sample(io.layers, grid, r);
  m.values = complexValues(sm, k);
  m.hermitian = sm.opd.empty() && sm.phase.empty() && centrosymmetric(m.values);
  if (m.hermitian) m.mirror = mft::mirrorOf(sm.amp.data(), m.box, m.box, m.box);
  return m;
}

}  // namespace

std::shared_ptr<const vortex::Levels> System::vortexLevels(const ImageOptics& io) const {
  {
    std::lock_guard<std::mutex> lock(poolMutex());
    if (io.vortexLevels) return io.vortexLevels;
  }
  auto l = vortex::levels(io.layers, npix, io.sampling);
  std::lock_guard<std::mutex> lock(poolMutex());
  if (!io.vortexLevels) io.vortexLevels = l;
  return io.vortexLevels;
}

System::Masks System::sampleImagePlanes(double wavelength) const {
  const int N = padded;
  const int half = N / 2;
  const double fftPixel = wavelength / (N * pupilScale) * kArcsecPerRad;
  const raster::Grid grid{N, N, double(half), double(half), fftPixel};
  const double lamD = wavelength / (npix * pupilScale) * kArcsecPerRad;
  const double k = 2 * kPi / wavelength;
  auto masks = std::make_shared<std::vector<ImageMask>>();
  for (const Step& st : steps) {
    if (st.kind != StepKind::Image) continue;
    if (st.image.method == ImageMethod::Mft && st.image.analytic && vortex::is(st.image.layers)) {
      ImageMask m;
      m.vortex = vortexLevels(st.image);
      m.box = m.vortex->box;
      m.pixel = lamD / st.image.sampling;
      masks->push_back(std::move(m));
      continue;
    }
    masks->push_back(st.image.method == ImageMethod::Mft ? onBox(st.image, lamD, k)
                                                         : onPaddedGrid(st.image, grid, k));
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

// The entrance pupil's amplitude in precision R: the window's own array
// (double), or the system's float copy (kept alive by `hold`); `ones` when
// there is no amplitude.
template <typename R>
const R* amplitudeIn(System& sys, std::vector<R>& ones, std::shared_ptr<const std::vector<float>>& hold) {
  if constexpr (std::is_same_v<R, float>) {
    hold = sys.entranceAmplitudeSingle();
    return hold->data();
  } else {
    const Window& w = sys.steps.front().mask;
    if (w.amp) return w.amp;
    ones.assign(static_cast<size_t>(sys.npix) * sys.npix, 1.0);
    return ones.data();
  }
}

// Pupil -> detector with no image plane: one MFT, the source offset as an
// MFT output offset, and a real-input MFT when the pupil has no OPD.
template <typename R>
Timing direct(System& sys, const Wave& wave, const RunOptions& opts, double* out,
              std::vector<Captured>* capture) {
  using C = std::complex<R>;
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
  const double offY = (wave.tiltY - det.offsetY) / det.pixelscale;
  const double offX = (wave.tiltX - det.offsetX) / det.pixelscale;
  C* tmp = detectorField<C>(m);
  if (!w.opd) {
    std::vector<R> ones;
    std::shared_ptr<const std::vector<float>> hold;
    const R* amp = amplitudeIn(sys, ones, hold);
    if (capture) {
      std::vector<C> f(amp, amp + nn);
      keepField(capture, StepKind::Pupil, f.data(), n, n, n, std::sqrt(scale2));
    }
    t.kernelSeconds += toDetector(det, amp, n, n, n, wave.wavelength, sys.pupilScale, offY, offX, scale2, tmp,
                                  out, sys.entranceMirror, capture != nullptr);
  } else {
    Lease<R> lease(sys);
    C* f = lease.s->a.data();
    const double k = 2 * kPi / wave.wavelength;
    for (size_t i = 0; i < nn; ++i) f[i] = C(pupilValue(w, i, k));
    keepField(capture, StepKind::Pupil, f, n, n, n, std::sqrt(scale2));
    t.kernelSeconds += toDetector(det, f, n, n, n, wave.wavelength, sys.pupilScale, offY, offX, scale2, tmp,
                                  out, capture != nullptr);
  }
  captureDetector(capture, det, tmp, scale2);
  return t;
}

// One wavelength through a system with image planes: the field lives on the
// padded N x N grid and goes pupil -> image -> pupil by FFT, then to the
// detector by MFT. Each step is a method; the state between steps is here.
template <typename R>
class FftPath {
  using C = std::complex<R>;

 public:
  FftPath(System& sys, const Wave& wave, const RunOptions& opts, std::vector<Captured>* capture,
          Lease<R>& lease)
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
    const std::vector<cplx> rampX = tiltRamp(n_, sys_.pupilScale, k_, wave_.tiltX),
                            rampY = tiltRamp(n_, sys_.pupilScale, k_, wave_.tiltY);
    // The checkerboard (-1)^(i+j) before a forward FFT of even size puts the
    // zero frequency at N/2 (an fftshift for free).
    const bool sign = even_ && sys_.steps[1].kind == StepKind::Image;
    for (int i = 0; i < N; ++i) {
      C* row = cur_ + static_cast<size_t>(i) * N;
      const int pi = i - p0;
      if (pi < 0 || pi >= n) {
        std::memset(static_cast<void*>(row), 0, sizeof(C) * N);
        continue;
      }
      std::memset(static_cast<void*>(row), 0, sizeof(C) * p0);
      std::memset(static_cast<void*>(row + p0 + n), 0, sizeof(C) * (N - p0 - n));
      for (int pj = 0; pj < n; ++pj) {
        const int j = pj + p0;
        const double s = sign && ((i + j) & 1) ? -scale : scale;
        row[j] = C(pupilValue(w0, static_cast<size_t>(pi) * n + pj, k_) * rampY[pi] * rampX[pj] * s);
      }
    }
    // The entrance pupil as it enters the first transform, without the sign.
    keepField(capture_, StepKind::Pupil, cur_ + static_cast<size_t>(p0) * N + p0, n, n, N, 1.0, sign, p0, p0);
  }

  // Pupil -> image (forward FFT, exp(+2*pi*i*x*u), unitary), the mask, and
  // image -> pupil (inverse FFT, exp(-2*pi*i*x*u)).
  void imagePlane(const Step&, const ImageMask& m) {
    const Window& mask = m.window;
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
      C* row = cur_ + static_cast<size_t>(y) * N;
      const bool inRows = !w.empty() && y >= w.y0 && y < w.y0 + w.ny;
      if (crop && !inRows) continue;  // never read by the cropped MFT
      for (int x = 0; x < N; ++x) {
        const bool in = inRows && x >= w.x0 && x < w.x0 + w.nx;
        if (!in && crop) continue;
        cplx v = in ? pupilValue(w, static_cast<size_t>(y - w.y0) * w.nx + (x - w.x0), k_) : outside;
        if (flip && ((y + x) & 1)) v = -v;
        row[x] = (v == cplx(0.0, 0.0)) ? C(0, 0) : row[x] * C(v);
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
    C* tmp = detectorField<C>(static_cast<size_t>(det.npixY) * det.npixX);
    t_.kernelSeconds += toDetector(det, cropRow(0), cropNy_, cropNx_, N_, wave_.wavelength, sys_.pupilScale,
                                   -det.offsetY / det.pixelscale, -det.offsetX / det.pixelscale, scale2_, tmp,
                                   out, capture_ != nullptr);
    captureDetector(capture_, det, tmp, scale2_);
  }

  Timing& timing() { return t_; }

 private:
  void transform(bool inverse) {
    const auto k0 = Clock::now();
    fft::transform<R>(cur_, other_, N_, N_, inverse, opts_.fftThreads, opts_.effort);
    t_.kernelSeconds += since(k0);
    std::swap(cur_, other_);
  }
  void rollBy(int s) {
    roll(cur_, other_, N_, s);
    std::swap(cur_, other_);
  }
  C* cropRow(int y) const { return cur_ + static_cast<size_t>(y + cropY0_) * N_ + cropX0_; }

  System& sys_;
  const Wave& wave_;
  const RunOptions& opts_;
  std::vector<Captured>* capture_;
  const int n_, N_;
  const bool even_;
  const int p0_;  // pupil grid origin inside the padded grid
  const double k_;
  C* cur_;
  C* other_;
  Timing t_;
  double scale2_ = 1.0;  // intensity scale still to apply at the detector
  bool signPending_ = false;
  int cropY0_ = 0, cropX0_ = 0, cropNy_, cropNx_;
};

template <typename R>
Timing propagateIn(System& sys, const Wave& wave, const RunOptions& opts, double* out,
                   std::vector<Captured>* capture) {
  if (sys.steps.size() == 2) return direct<R>(sys, wave, opts, out, capture);
  const System::Masks masks = sys.imageMasks(wave.wavelength);
  if (sys.pupilGrid) return pupilGridPath<R>(sys, wave, opts, out, capture, masks);
  Lease<R> lease(sys);
  FftPath<R> path(sys, wave, opts, capture, lease);
  walk(path, sys, *masks, out);
  return path.timing();
}

}  // namespace

Timing propagate(System& sys, const Wave& wave, const RunOptions& opts, double* out,
                 std::vector<Captured>* capture) {
  const auto t0 = Clock::now();
  AIRY_ASSERT(wave.wavelength > 0 && std::isfinite(wave.wavelength), "propagate: bad wavelength");
  Timing t = sys.fresnel   ? fresnel::propagate(sys, wave, opts, out, capture)
             : opts.single ? propagateIn<float>(sys, wave, opts, out, capture)
                           : propagateIn<double>(sys, wave, opts, out, capture);
  const Step& det = sys.steps.back();
  if (opts.normalize == Normalize::Last) normalizeLast(out, static_cast<size_t>(det.npixY) * det.npixX);
  t.totalSeconds = since(t0);
  return t;
}

}  // namespace prop
}  // namespace airy
