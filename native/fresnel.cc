#include "fresnel.h"

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <string>

#include "common.h"
#include "fft.h"
#include "mft.h"
#include "path_util.h"
#include "propagate.h"

namespace airy {
namespace fresnel {

using prop::kPi;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kAngstrom = 1e-10;

Beam::Beam(double radius, double wavelength, int n, double pixel, double rayleighFactor)
    : lambda_(wavelength), n_(n), rf_(rayleighFactor), w0_(radius), dx_(pixel), fl_(kInf) {}

double Beam::rayleigh() const { return kPi * w0_ * w0_ / lambda_; }

double Beam::spotRadius() const {
  const double t = (z_ - zw0_) / rayleigh();
  return w0_ * std::sqrt(1 + t * t);
}

double Beam::curvature() const {
  const double dz = z_ - zw0_;
  if (dz == 0) return kInf;
  const double t = rayleigh() / dz;
  return dz * (1 + t * t);
}

std::vector<Beam::Step> Beam::propagate(double dz) {
  std::vector<Step> out;
  if (dz == 0) return out;
  const double target = z_ + dz;
  const bool planarThere = std::abs(zw0_ - target) < rayleigh();
  if (!spherical_ && planarThere) {
    planeToPlane(dz, out);
    return out;
  }
  // Through the waist: planar fields go there plane-to-plane, spherical ones by a transform.
  if (spherical_)
    toWaist(out);
  else
    planeToPlane(zw0_ - z_, out);
  if (planarThere)
    planeToPlane(target - z_, out);
  else
    waistToSpherical(target - z_, out);
  return out;
}

void Beam::planeToPlane(double dz, std::vector<Step>& out) {
  if (std::abs(dz) >= kAngstrom) out.push_back({Op::PlaneToPlane, dz, dx_});
  z_ += dz;
}

void Beam::waistToSpherical(double dz, std::vector<Step>& out) {
  if (dz == 0) return;
  dx_ = lambda_ * std::abs(dz) / (n_ * dx_);
  out.push_back({Op::WaistToSpherical, dz, dx_});
  z_ += dz;
  spherical_ = true;
}

void Beam::toWaist(std::vector<Step>& out) {
  const double dz = zw0_ - z_;
  spherical_ = false;
  if (dz == 0) return;
  dx_ = lambda_ * std::abs(dz) / (n_ * dx_);
  out.push_back({Op::SphericalToWaist, dz, dx_});
  z_ += dz;
}

double Beam::lens(double f) {
  const double spot = spotRadius(), rc = curvature();
  const bool far = std::abs(zw0_ - z_) > rf_ * rayleigh();
  // Near the waist the incident curvature is neglected (POPPY, PROPER).
  const double rIn = far ? z_ - zw0_ : kInf;
  const double rOut = far ? 1 / (1 / rc - 1 / f) : -f;
  if (rc == f) {
    zw0_ = z_;
    w0_ = spot;
  } else {
    const double a = lambda_ * rOut / (kPi * spot * spot);
    zw0_ = z_ - rOut / (1 + a * a);
    w0_ = spot / std::sqrt(1 + 1 / (a * a));
  }
  fl_ = std::isfinite(fl_) ? fl_ * (rOut / rIn) : f;
  // The phase left on the array, and whether the field is now held spherical.
  const double fromWaist = z_ - zw0_;
  const bool inside = std::abs(fromWaist) < rayleigh();
  if (!spherical_) {
    if (inside) return f;
    spherical_ = true;
    return 1 / (1 / f + 1 / fromWaist);
  }
  if (!inside) return 1 / (1 / f + 1 / fromWaist - 1 / rIn);
  spherical_ = false;
  return 1 / (1 / f - 1 / rIn);
}

void validate(const Desc& d, int npix, int padded) {
  if (padded % 2 != 0)
    throw Error("ERR_AIRY_SYSTEM", "a Fresnel system needs an even array size (npix * oversample), got " +
                                       std::to_string(padded));
  if (!(d.beamRadius > 0) || !std::isfinite(d.beamRadius))
    throw Error("ERR_AIRY_SYSTEM", "a Fresnel system needs a positive beam radius");
  if (!(d.pixelSize > 0) || !std::isfinite(d.pixelSize))
    throw Error("ERR_AIRY_SYSTEM", "a Fresnel detector needs a positive pixel size");
  if (d.planes.empty()) throw Error("ERR_AIRY_SYSTEM", "a Fresnel system needs at least one plane");
  for (const Plane& p : d.planes) {
    if (!std::isfinite(p.distance) || !std::isfinite(p.focalLength))
      throw Error("ERR_AIRY_SYSTEM", "Fresnel plane distances and focal lengths must be finite");
    if (p.mftN < 0 || p.mftN > 16384 || (p.mftN > 0 && !(p.mftPixel > 0 && std::isfinite(p.mftPixel))))
      throw Error("ERR_AIRY_SYSTEM",
                  "a Fresnel plane's MFT sampling needs 1 to 16384 samples of a positive pitch");
  }
  if (!std::isfinite(d.detectorDistance))
    throw Error("ERR_AIRY_SYSTEM", "the Fresnel detector distance must be finite");
}

namespace {

// exp(i pi s^2 c) over signed array coordinates s (FFT layout: 0 .. N/2 - 1,
// then -N/2 .. -1), one axis; a 2D factor is the product of two.
std::vector<std::complex<double>> chirp(int N, double c) {
  std::vector<std::complex<double>> v(N);
  for (int i = 0; i < N; ++i) {
    const double s = i < N / 2 ? i : i - N;
    v[i] = std::polar(1.0, kPi * c * s * s);
  }
  return v;
}

template <typename R>
class Path {
  using C = std::complex<R>;

 public:
  Path(prop::System& sys, const prop::Wave& wave, const prop::RunOptions& opts,
       std::vector<prop::Captured>* capture, prop::Lease<R>& lease)
      : sys_(sys),
        d_(*sys.fresnel),
        opts_(opts),
        capture_(capture),
        N_(sys.padded),
        lambda_(wave.wavelength),
        beam_(d_.beamRadius, wave.wavelength, sys.padded, 2 * d_.beamRadius / sys.npix, d_.rayleighFactor),
        cur_(lease.s->a.data()),
        other_(lease.s->b.data()) {}

  prop::Timing run(double* out) {
    entrance();
    for (size_t i = 0; i < d_.planes.size(); ++i) {
      const Plane& p = d_.planes[i];
      move(p.distance);
      optics(p);
      if (p.focalLength != 0) quadPhase(-beam_.lens(p.focalLength));
      if (i == 0 && opts_.normalize == prop::Normalize::First) unitEnergy();
      keep();
    }
    move(d_.detectorDistance);
    detector(out);
    return t_;
  }

 private:
  // Index in the FFT layout (the axis at [0, 0]) of centred pixel (y, x) (the axis at N/2).
  size_t at(int y, int x) const {
    const int h = N_ / 2;
    return static_cast<size_t>((y + h) % N_) * N_ + (x + h) % N_;
  }

  // POPPY's entrance: ones over the central npix x npix of the array.
  void entrance() {
    std::memset(static_cast<void*>(cur_), 0, sizeof(C) * static_cast<size_t>(N_) * N_);
    const int n = sys_.npix, p0 = (N_ - n) / 2;
    for (int y = p0; y < p0 + n; ++y)
      for (int x = p0; x < p0 + n; ++x) cur_[at(y, x)] = C(1, 0);
  }

  void move(double dz) {
    for (const Beam::Step& s : beam_.propagate(dz)) {
      switch (s.op) {
        case Beam::Op::PlaneToPlane:
          planeToPlane(s.dz);
          break;
        case Beam::Op::WaistToSpherical:
          quadPhase(s.dz);
          transform(s.dz > 0);
          dx_ = s.pixelAfter;
          break;
        case Beam::Op::SphericalToWaist:
          transform(s.dz > 0);
          dx_ = s.pixelAfter;
          quadPhase(s.dz);
          break;
      }
    }
  }

  // Angular spectrum: exp(-i pi lambda dz rho^2), rho the spatial frequency.
  // With d_.bandLimit, frequencies whose transfer-function phase is sampled
  // more coarsely than Nyquist are dropped (Matsushima & Shimobaba 2009):
  // |u| < 1 / (lambda sqrt((2 du dz)^2 + 1)), du = 1 / (N dx), per axis.
  void planeToPlane(double dz) {
    transform(/*inverse=*/false);
    const double f = 1 / (N_ * dx_);
    std::vector<std::complex<double>> h = chirp(N_, -lambda_ * dz * f * f);
    if (d_.bandLimit) {
      const double limit = 1 / (lambda_ * std::sqrt(4 * f * f * dz * dz + 1));
      for (int i = 0; i < N_; ++i)
        if (std::abs((i < N_ / 2 ? i : i - N_) * f) >= limit) h[i] = 0;
    }
    multiplySeparable(h);
    transform(/*inverse=*/true);
  }

  // exp(i pi r^2 / (lambda z)) at the current sampling (POPPY's QuadPhase(z)).
  void quadPhase(double z) {
    if (!std::isfinite(z)) return;
    multiplySeparable(chirp(N_, dx_ * dx_ / (lambda_ * z)));
  }

  void multiplySeparable(const std::vector<std::complex<double>>& v) {
    for (int y = 0; y < N_; ++y) {
      C* row = cur_ + static_cast<size_t>(y) * N_;
      for (int x = 0; x < N_; ++x) row[x] *= C(v[y] * v[x]);
    }
  }

  // Unitary FFT; `inverse` is exp(+2 pi i ...), forward optical propagation's sign.
  void transform(bool inverse) {
    const auto k0 = prop::Clock::now();
    fft::transform<R>(cur_, other_, N_, N_, inverse, opts_.fftThreads, opts_.effort);
    t_.kernelSeconds += prop::since(k0);
    std::swap(cur_, other_);
  }

  // The plane's optics sampled on the current grid (metres, the axis at
  // N/2): on the window their extent implies, `outside` beyond it.
  void optics(const Plane& p) {
    if (p.layers.empty()) return;
    if (p.mftN > 0) {
      // An occulter's field is the small difference of c E and the way back:
      // the forward transform of the bright core runs in double, as on the
      // Fraunhofer path (README, "Single precision").
      if (p.outside != 0)
        byMft<double>(p);
      else
        byMft<R>(p);
      return;
    }
    const raster::Grid grid{N_, N_, N_ / 2.0, N_ / 2.0, dx_};
    const raster::Rect r = p.extent > 0 ? raster::windowFor(p.extent, grid) : raster::Rect{0, 0, N_, N_};
    const raster::Sampled sm = raster::sample(p.layers, grid, r);
    if (p.outside != 1) scaleOutside(r, static_cast<R>(p.outside));
    const double k = 2 * kPi / lambda_;
    const bool phased = !sm.opd.empty() || !sm.phase.empty();
    for (int y = 0; y < r.ny; ++y) {
      // Centred row y0 + y is FFT-layout row (y0 + y + N/2) mod N; columns swap halves the same way.
      const size_t src = static_cast<size_t>(y) * r.nx;
      C* row = cur_ + static_cast<size_t>((r.y0 + y + N_ / 2) % N_) * N_;
      for (int x = 0; x < r.nx; ++x) {
        C& f = row[(r.x0 + x + N_ / 2) % N_];
        if (phased)
          f *= C(phasor(sm, src + x, k));
        else
          f *= static_cast<R>(sm.amp[src + x]);
      }
    }
  }

  static std::complex<double> phasor(const raster::Sampled& sm, size_t i, double k) {
    const double ph = (sm.opd.empty() ? 0 : k * sm.opd[i]) + (sm.phase.empty() ? 0 : sm.phase[i]);
    return std::polar(sm.amp[i], ph);
  }

  // The optics on their fixed grid (p.mftN^2 samples of p.mftPixel metres,
  // the axis on sample floor(mftN/2)), applied through the angular spectrum S of the
  // field: S' = c S + IMFT((t - c) MFT(S)), c the optics' value beyond the
  // grid. The forward MFT evaluates the band-limited field at the grid's
  // points (as the detector does); the pair is exact when the grid spans the
  // array at its own pitch.
  template <typename B>
  void byMft(const Plane& p) {
    using CB = std::complex<B>;
    const int M = p.mftN;
    const size_t nn = static_cast<size_t>(N_) * N_;
    transform(/*inverse=*/false);
    struct SpectrumTag;
    CB* spec = threadBuffer<CB, SpectrumTag>(nn);
    for (int y = 0; y < N_; ++y)
      for (int x = 0; x < N_; ++x) spec[static_cast<size_t>(y) * N_ + x] = CB(cur_[at(y, x)]);
    mft::Params fwd;
    fwd.npupY = fwd.npupX = N_;
    fwd.npixY = fwd.npixX = M;
    fwd.nlamDY = fwd.nlamDX = M * p.mftPixel / dx_;
    // The axis on sample floor(M/2) both ways, as on the field's grid and at
    // the centre of an odd array (for odd M the spectrum's half-sample shift
    // cancels between the two transforms).
    fwd.centering = M % 2 == 0 ? mft::Centering::FftStyle : mft::Centering::Adjustable;
    mft::Params inv = fwd;
    inv.npupY = inv.npupX = M;
    inv.npixY = inv.npixX = N_;
    inv.inverse = true;
    struct BoxTag;
    CB* box = threadBuffer<CB, BoxTag>(static_cast<size_t>(M) * M);
    auto k0 = prop::Clock::now();
    mft::transform<B>(fwd, spec, box);
    t_.kernelSeconds += prop::since(k0);
    const raster::Grid grid{M, M, static_cast<double>(M / 2), static_cast<double>(M / 2), p.mftPixel};
    const raster::Sampled sm = raster::sample(p.layers, grid, raster::Rect{0, 0, M, M});
    const double k = 2 * kPi / lambda_, c = p.outside;
    for (size_t i = 0; i < static_cast<size_t>(M) * M; ++i) box[i] *= CB(phasor(sm, i, k) - c);
    k0 = prop::Clock::now();
    mft::transform<B>(inv, box, spec);
    t_.kernelSeconds += prop::since(k0);
    const R cr = static_cast<R>(c);
    for (int y = 0; y < N_; ++y)
      for (int x = 0; x < N_; ++x) {
        C& f = cur_[at(y, x)];
        f = cr * f + C(spec[static_cast<size_t>(y) * N_ + x]);
      }
    transform(/*inverse=*/true);
  }

  // Multiplies the field outside centred window `r` by `s`.
  void scaleOutside(const raster::Rect& r, R s) {
    for (int y = 0; y < N_; ++y) {
      const bool inRows = y >= r.y0 && y < r.y0 + r.ny;
      C* row = cur_ + static_cast<size_t>((y + N_ / 2) % N_) * N_;
      for (int x = 0; x < N_; ++x)
        if (!inRows || x < r.x0 || x >= r.x0 + r.nx) row[(x + N_ / 2) % N_] *= s;
    }
  }

  void unitEnergy() {
    const double e = prop::energy(cur_, static_cast<size_t>(N_) * N_);
    if (!(e > 0)) throw Error("ERR_AIRY_NO_LIGHT", "the first plane transmits no light");
    const R s = static_cast<R>(1 / std::sqrt(e));
    for (size_t i = 0; i < static_cast<size_t>(N_) * N_; ++i) cur_[i] *= s;
  }

  // The field after a plane, centred, with its sampling (metres per pixel).
  void keep() {
    if (!capture_) return;
    prop::Captured c;
    c.kind = prop::StepKind::Pupil;
    c.ny = c.nx = N_;
    c.pixelscale = dx_;
    c.field.resize(static_cast<size_t>(N_) * N_);
    for (int y = 0; y < N_; ++y)
      for (int x = 0; x < N_; ++x)
        c.field[static_cast<size_t>(y) * N_ + x] = std::complex<double>(cur_[at(y, x)]);
    capture_->push_back(std::move(c));
  }

  // The intensity on the detector's pixels: the field itself when the
  // sampling matches the pitch (to 1e-3, as POPPY), else its angular
  // spectrum taken to the pixel centres by an MFT (band-limited
  // interpolation), scaled so that the total is kept.
  void detector(double* out) {
    const prop::Step& det = sys_.steps.back();
    const int ny = det.npixY, nx = det.npixX;
    const double p = d_.pixelSize;
    if (std::abs(dx_ / p - 1) < 1e-3) {
      for (int r = 0; r < ny; ++r)
        for (int c = 0; c < nx; ++c) {
          const int y = r - ny / 2 + N_ / 2, x = c - nx / 2 + N_ / 2;
          const bool in = y >= 0 && y < N_ && x >= 0 && x < N_;
          out[static_cast<size_t>(r) * nx + c] = in ? std::norm(std::complex<double>(cur_[at(y, x)])) : 0.0;
        }
      return;
    }
    transform(/*inverse=*/false);
    // The spectrum centred (zero frequency at N/2) for the MFT.
    for (int y = 0; y < N_; ++y)
      for (int x = 0; x < N_; ++x) other_[static_cast<size_t>(y) * N_ + x] = cur_[at(y, x)];
    // FFT-style centring puts the axis at pixel m/2: an odd side is computed
    // one pixel longer and its first row (column) dropped, so that the axis
    // lands on pixel floor(n/2) as in the cropped case.
    const int oy = ny % 2, ox = nx % 2, my = ny + oy, mx = nx + ox;
    mft::Params m;
    m.npupY = m.npupX = N_;
    m.npixY = my;
    m.npixX = mx;
    m.nlamDY = my * p / dx_;
    m.nlamDX = mx * p / dx_;
    m.centering = mft::Centering::FftStyle;
    std::vector<C> field(static_cast<size_t>(my) * mx);
    const auto k0 = prop::Clock::now();
    mft::transform<R>(m, other_, field.data());
    t_.kernelSeconds += prop::since(k0);
    for (int r = 0; r < ny; ++r)
      for (int c = 0; c < nx; ++c)
        out[static_cast<size_t>(r) * nx + c] =
            std::norm(std::complex<double>(field[static_cast<size_t>(r + oy) * mx + c + ox]));
  }

  prop::System& sys_;
  const Desc& d_;
  const prop::RunOptions& opts_;
  std::vector<prop::Captured>* capture_;
  const int N_;
  const double lambda_;
  Beam beam_;
  double dx_ = 2 * d_.beamRadius / sys_.npix;
  C* cur_;
  C* other_;
  prop::Timing t_;
};

template <typename R>
prop::Timing run(prop::System& sys, const prop::Wave& wave, const prop::RunOptions& opts, double* out,
                 std::vector<prop::Captured>* capture) {
  prop::Lease<R> lease(sys);
  Path<R> path(sys, wave, opts, capture, lease);
  return path.run(out);
}

}  // namespace

prop::Timing propagate(prop::System& sys, const prop::Wave& wave, const prop::RunOptions& opts, double* out,
                       std::vector<prop::Captured>* capture) {
  if (wave.tiltX != 0 || wave.tiltY != 0)
    throw Error("ERR_AIRY_SYSTEM", "a Fresnel system takes no source offset");
  return opts.single ? run<float>(sys, wave, opts, out, capture) : run<double>(sys, wave, opts, out, capture);
}

}  // namespace fresnel
}  // namespace airy
