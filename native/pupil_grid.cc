// Systems whose image planes go (at least partly) by MFT: the field stays on
// the npix x npix pupil grid. An MFT image plane takes the field to a box
// around its mask and back (semi-analytic, Soummer et al. 2007):
//   E' = c E + IMFT((t - c) MFT(E)),
// exact when t = c outside the box (c = 1: an occulter, by Babinet; c = 0: a
// field stop). A vortex goes by two levels that add up to its mask: a
// padded FFT of the mask away from its centre and an MFT box around it
// (vortex.h). An FFT image plane pads the field for the FFT and crops it
// back. Later pupils are dark outside the pupil grid (System::validate), so
// nothing is lost by keeping only the grid.
//
// While the field is real (no OPD, no source offset, every mask real and
// centrosymmetric) it is kept real: each MFT out of the pupil grid is a real
// GEMM and each MFT back into it yields a real field (transformHermitian).
// The field's mirror symmetry (from the pupils and masks) lets the MFTs fold.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "fft.h"
#include "mft.h"
#include "path_util.h"

namespace airy {
namespace prop {
namespace {

template <typename R>
class PupilGrid {
  using C = std::complex<R>;

 public:
  PupilGrid(System& sys, const Wave& wave, const RunOptions& opts, std::vector<Captured>* capture,
            Lease<R>& lease)
      : sys_(sys),
        wave_(wave),
        opts_(opts),
        capture_(capture),
        n_(sys.npix),
        nn_(static_cast<size_t>(n_) * n_),
        p0_((sys.padded - sys.npix) / 2),
        k_(2 * kPi / wave.wavelength),
        lamD_(wave.wavelength / (n_ * sys.pupilScale) * kArcsecPerRad),
        f_(lease.s->a.data()),
        g_(lease.s->b.data()),
        re_(lease.s->re.data()),
        pa_(lease.s->pa.data()),
        pb_(lease.s->pb.data()),
        va_(lease.s->va.data()),
        vb_(lease.s->vb.data()),
        cropNy_(n_),
        cropNx_(n_) {}

  // The entrance pupil, with the source offset as a phase tilt (as FftPath).
  void entrancePupil() {
    const Window& w0 = sys_.steps.front().mask;
    double scale = 1.0;
    if (opts_.normalize == Normalize::First) {
      if (!(sys_.pupilEnergy > 0)) throw Error("ERR_AIRY_NO_LIGHT", "the entrance pupil transmits no light");
      scale = 1.0 / std::sqrt(sys_.pupilEnergy);
    }
    real_ = !w0.opd && wave_.tiltX == 0 && wave_.tiltY == 0;
    mirror_ = real_ ? sys_.entranceMirror : mft::Mirror::None;
    if (real_) {
      for (size_t i = 0; i < nn_; ++i) re_[i] = static_cast<R>((w0.amp ? w0.amp[i] : 1.0) * scale);
    } else {
      const std::vector<cplx> rx = tiltRamp(n_, sys_.pupilScale, k_, wave_.tiltX),
                              ry = tiltRamp(n_, sys_.pupilScale, k_, wave_.tiltY);
      for (int y = 0; y < n_; ++y)
        for (int x = 0; x < n_; ++x) {
          const size_t i = static_cast<size_t>(y) * n_ + x;
          f_[i] = C(pupilValue(w0, i, k_) * ry[y] * rx[x] * scale);
        }
    }
    keepPupil(1.0);
  }

  void imagePlane(const Step& st, const ImageMask& m) {
    if (m.vortex)
      byVortex(m);
    else if (st.image.method == ImageMethod::Mft)
      byMft(m, st.image.outside);
    else
      byFft(m.window, sys_.padded, pa_, pb_);
  }

  // A later pupil: its window (padded-grid coordinates, inside the pupil
  // grid) multiplies the field, and everything outside it goes dark.
  void laterPupil(size_t si, bool last) {
    const Window& w = sys_.steps[si].mask;
    if (real_ && w.opd) toComplex();
    const int wy = w.y0 - p0_, wx = w.x0 - p0_;
    for (int y = 0; y < n_; ++y) {
      const size_t row = static_cast<size_t>(y) * n_;
      const bool inRows = y >= wy && y < wy + w.ny;
      // Dark outside the window: the whole row, or its margins.
      const int x0 = inRows ? wx : n_, x1 = inRows ? wx + w.nx : n_;
      for (int x = 0; x < n_; ++x)
        if (x < x0 || x >= x1) {
          if (real_)
            re_[row + x] = 0;
          else
            f_[row + x] = C(0, 0);
        }
      if (!inRows) continue;
      const size_t k0 = static_cast<size_t>(y - wy) * w.nx;
      if (real_ && w.amp)
        for (int x = 0; x < w.nx; ++x) re_[row + wx + x] *= static_cast<R>(w.amp[k0 + x]);
      else if (!real_)
        for (int x = 0; x < w.nx; ++x) f_[row + wx + x] *= C(pupilValue(w, k0 + x, k_));
    }
    mirror_ = mft::both(mirror_, sys_.steps[si].mirror);
    cropY0_ = wy;
    cropX0_ = wx;
    cropNy_ = w.ny;
    cropNx_ = w.nx;
    if (last && opts_.normalize == Normalize::ExitPupil) {
      double e = 0;
      for (size_t i = 0; i < nn_; ++i) e += real_ ? double(re_[i]) * re_[i] : std::norm(cplx(f_[i]));
      if (!(e > 0)) throw Error("ERR_AIRY_NO_LIGHT", "the exit pupil transmits no light");
      scale2_ = 1.0 / e;
    }
    keepPupil(std::sqrt(scale2_));
  }

  // The final MFT of the last pupil's window and |.|^2 into `out`.
  void detector(const Step& det, double* out) {
    C* tmp = detectorField<C>(static_cast<size_t>(det.npixY) * det.npixX);
    const size_t at = static_cast<size_t>(cropY0_) * n_ + cropX0_;
    const double offY = -det.offsetY / det.pixelscale, offX = -det.offsetX / det.pixelscale;
    const bool field = capture_ != nullptr;
    if (real_)
      t_.kernelSeconds += toDetector(det, re_ + at, cropNy_, cropNx_, n_, wave_.wavelength, sys_.pupilScale,
                                     offY, offX, scale2_, tmp, out, mirror_, field);
    else
      t_.kernelSeconds += toDetector(det, f_ + at, cropNy_, cropNx_, n_, wave_.wavelength, sys_.pupilScale,
                                     offY, offX, scale2_, tmp, out, field);
    captureDetector(capture_, det, tmp, scale2_);
  }

  Timing& timing() { return t_; }

 private:
  // The field's transform onto a mask's box in precision B (a real GEMM
  // while the field is real); `inv` receives the transform back to the
  // pupil grid.
  template <typename B>
  AlignedBuffer<std::complex<B>> toBox(const ImageMask& m, mft::Params& inv) {
    mft::Params fwd;
    fwd.npupY = fwd.npupX = n_;
    fwd.npixY = fwd.npixX = m.box;
    fwd.nlamDY = fwd.nlamDX = m.box * m.pixel / lamD_;
    fwd.mirror = mirror_;
    inv = fwd;
    inv.npupY = inv.npupX = m.box;
    inv.npixY = inv.npixX = n_;
    inv.inverse = true;
    AlignedBuffer<std::complex<B>> box(static_cast<size_t>(m.box) * m.box);
    if constexpr (std::is_same_v<B, R>) {
      if (real_)
        mft::transformReal<R>(fwd, re_, box.data());
      else
        mft::transform<R>(fwd, f_, box.data());
    } else if (real_) {
      // The widened field in a buffer the thread keeps (a fresh one faults its pages in every wavelength).
      struct WideTag;
      B* wide = threadBuffer<B, WideTag>(nn_);
      std::copy(re_, re_ + nn_, wide);
      mft::transformReal<B>(fwd, wide, box.data());
    } else {
      struct WideTag;
      std::complex<B>* wide = threadBuffer<std::complex<B>, WideTag>(nn_);
      std::copy(f_, f_ + nn_, wide);
      mft::transform<B>(fwd, wide, box.data());
    }
    return box;
  }

  // (t - c) MFT(E) on the mask's box in the field's precision, the forward
  // transform and the product computed in precision B.
  template <typename B>
  AlignedBuffer<C> maskedBox(const ImageMask& m, double c, mft::Params& inv) {
    const size_t bb = static_cast<size_t>(m.box) * m.box;
    AlignedBuffer<std::complex<B>> box = toBox<B>(m, inv);
    if (capture_) keepImage(box.data(), m);
    for (size_t i = 0; i < bb; ++i) box.data()[i] *= std::complex<B>(m.values[i] - c);
    if constexpr (std::is_same_v<B, R>) {
      return box;
    } else {
      AlignedBuffer<C> narrow(bb);
      for (size_t i = 0; i < bb; ++i) narrow.data()[i] = C(box.data()[i]);
      return narrow;
    }
  }

  // E' = c E + IMFT((t - c) MFT(E)) over the mask's box. With c != 0 (an
  // occulter) E' is the small difference of c E and the way back, and the
  // rounding of a float forward transform on the bright core would not
  // cancel in it: that transform runs in double whatever R (README, "Single
  // precision").
  void byMft(const ImageMask& m, double c) {
    const auto k0 = Clock::now();
    mft::Params inv;
    AlignedBuffer<C> box = c != 0 ? maskedBox<double>(m, c, inv) : maskedBox<R>(m, c, inv);
    mirror_ = mft::both(mirror_, m.mirror);
    const R cr = static_cast<R>(c);
    if (real_ && m.hermitian) {
      R* back = reinterpret_cast<R*>(g_);
      mft::transformHermitian<R>(inv, box.data(), back);
      for (size_t i = 0; i < nn_; ++i) re_[i] = cr * re_[i] + back[i];
    } else {
      mft::transform<R>(inv, box.data(), g_);
      if (real_) toComplex();
      for (size_t i = 0; i < nn_; ++i) f_[i] = cr * f_[i] + g_[i];
    }
    t_.kernelSeconds += since(k0);
  }

  // A vortex: the box level (MFTs) into g_, the coarse level (a padded FFT
  // of 2 npix) into f_, and their sum.
  void byVortex(const ImageMask& m) {
    const vortex::Levels& v = *m.vortex;
    const size_t bb = static_cast<size_t>(m.box) * m.box;
    const auto k0 = Clock::now();
    mft::Params inv;
    AlignedBuffer<C> box = toBox<R>(m, inv);
    for (size_t i = 0; i < bb; ++i) box.data()[i] *= C(v.fine[i]);
    mft::transform<R>(inv, box.data(), g_);
    t_.kernelSeconds += since(k0);
    Window coarse;
    coarse.ny = coarse.nx = v.coarseN;
    coarse.values = v.coarse.data();
    coarse.outside = 0;
    byFft(coarse, v.coarseN, va_, vb_);
    if (capture_) capture_->back().pixelscale = lamD_ / 2;
    for (size_t i = 0; i < nn_; ++i) f_[i] += g_[i];
  }

  // The padded FFT of FftPath for one plane on an N x N grid: pad, transform,
  // mask, transform back, crop. The checkerboard (-1)^(y+x) before the
  // forward FFT of even size centres the zero frequency; the inverse leaves
  // it on again.
  void byFft(const Window& mask, int N, C* pa, C* pb) {
    const int half = N / 2, p0 = (N - n_) / 2;
    const bool even = N % 2 == 0;
    const auto sign = [&](int y, int x) { return even && ((y + x) & 1) ? R(-1) : R(1); };
    if (real_) toComplex();
    std::memset(static_cast<void*>(pa), 0, sizeof(C) * static_cast<size_t>(N) * N);
    for (int y = 0; y < n_; ++y)
      for (int x = 0; x < n_; ++x)
        pa[static_cast<size_t>(y + p0) * N + x + p0] =
            f_[static_cast<size_t>(y) * n_ + x] * sign(y + p0, x + p0);
    const auto k0 = Clock::now();
    fft::transform<R>(pa, pb, N, N, /*inverse=*/true, opts_.fftThreads, opts_.effort);
    t_.kernelSeconds += since(k0);
    C* cur = pb;
    if (!even) {
      roll(pb, pa, N, half);
      cur = pa;
    }
    applyImageMask(cur, N, mask);
    keepField(capture_, StepKind::Image, cur, N, N, N, 1.0);
    if (!even) {
      roll(pa, pb, N, N - half);
      cur = pb;
    }
    C* other = cur == pa ? pb : pa;
    const auto k1 = Clock::now();
    fft::transform<R>(cur, other, N, N, /*inverse=*/false, opts_.fftThreads, opts_.effort);
    t_.kernelSeconds += since(k1);
    for (int y = 0; y < n_; ++y)
      for (int x = 0; x < n_; ++x)
        f_[static_cast<size_t>(y) * n_ + x] =
            other[static_cast<size_t>(y + p0) * N + x + p0] * sign(y + p0, x + p0);
  }

  void toComplex() {
    for (size_t i = 0; i < nn_; ++i) f_[i] = re_[i];
    real_ = false;
    mirror_ = mft::Mirror::None;
  }

  void keepPupil(double scale) {
    if (!capture_) return;
    if (real_) {
      std::vector<C> f(re_, re_ + nn_);
      keepField(capture_, StepKind::Pupil, f.data(), n_, n_, n_, scale);
    } else {
      keepField(capture_, StepKind::Pupil, f_, n_, n_, n_, scale);
    }
  }

  // The field just after the mask, on the box.
  template <typename CB>
  void keepImage(const CB* box, const ImageMask& m) {
    const size_t bb = static_cast<size_t>(m.box) * m.box;
    std::vector<cplx> after(bb);
    for (size_t i = 0; i < bb; ++i) after[i] = cplx(box[i]) * m.values[i];
    keepField(capture_, StepKind::Image, after.data(), m.box, m.box, m.box, 1.0);
    capture_->back().pixelscale = m.pixel;
  }

  System& sys_;
  const Wave& wave_;
  const RunOptions& opts_;
  std::vector<Captured>* capture_;
  const int n_;
  const size_t nn_;
  const int p0_;       // pupil grid origin inside the padded grid
  const double k_;     // 2 pi / lambda
  const double lamD_;  // arcsec per lambda/D, D the pupil grid's width
  C* f_;               // the field when complex
  C* g_;               // an MFT's way back
  R* re_;              // the field when real
  C *pa_, *pb_;        // padded FFT planes
  C *va_, *vb_;        // a vortex's coarse FFT planes
  bool real_ = false;
  mft::Mirror mirror_ = mft::Mirror::None;  // the real field's symmetry
  Timing t_;
  double scale2_ = 1.0;
  int cropY0_ = 0, cropX0_ = 0, cropNy_, cropNx_;
};

}  // namespace

template <typename R>
Timing pupilGridPath(System& sys, const Wave& wave, const RunOptions& opts, double* out,
                     std::vector<Captured>* capture, const System::Masks& masks) {
  Lease<R> lease(sys);
  PupilGrid<R> path(sys, wave, opts, capture, lease);
  walk(path, sys, *masks, out);
  return path.timing();
}

template Timing pupilGridPath<double>(System&, const Wave&, const RunOptions&, double*,
                                      std::vector<Captured>*, const System::Masks&);
template Timing pupilGridPath<float>(System&, const Wave&, const RunOptions&, double*, std::vector<Captured>*,
                                     const System::Masks&);

}  // namespace prop
}  // namespace airy
