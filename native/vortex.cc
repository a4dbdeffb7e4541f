#include "vortex.h"

#include <cmath>

#include "bandlimit.h"
#include "common.h"
#include "special.h"

namespace airy {
namespace vortex {
namespace {

using cplx = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

// 1 inside kInner, 0 beyond kOuter (lambda/D), smooth between.
double window(double r) { return bandlimit::smoothStep((kOuter - r) / (kOuter - kInner)); }

struct Vortex {
  int charge = 0;
  double rotation = 0;  // radians
  double scale = 1;     // constant factors of the plane
};

Vortex vortexOf(const std::vector<raster::Layer>& layers) {
  Vortex v;
  for (const auto& l : layers) {
    if (const auto* s = std::get_if<raster::ScalarLayer>(&l.what)) v.scale *= s->value;
    if (const auto* x = std::get_if<raster::VortexLayer>(&l.what)) {
      v.charge = x->charge;
      v.rotation = l.rotation;
    }
  }
  return v;
}

std::vector<cplx> coarse(const Vortex& v, int N) {
  std::vector<cplx> m(static_cast<size_t>(N) * N);
  const int c = N / 2;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      const double x = (j - c) / 2.0, y = (i - c) / 2.0;
      const double keep = 1 - window(std::hypot(x, y));
      if (keep > 0)
        m[static_cast<size_t>(i) * N + j] =
            v.scale * keep * std::polar(1.0, v.charge * (std::atan2(y, x) - v.rotation));
    }
  return m;
}

// H(rho) = integral_0^kOuter w(r) J_n(2 pi rho r) r dr on rho = k * step,
// k = 0 .. count - 1 (Simpson's rule, ~24 samples per oscillation of J_n).
std::vector<double> hankel(int n, double step, int count) {
  std::vector<double> H(count);
  for (int k = 1; k < count; ++k) {
    const double rho = k * step;
    int nr = static_cast<int>(std::ceil(kOuter * rho * 24));
    nr = std::max(64, nr + nr % 2);
    const double h = kOuter / nr, a = 2 * kPi * rho;
    double s = 0;
    for (int j = 1; j <= nr; ++j) {
      const double r = j * h, weight = j == nr ? 1 : j % 2 ? 4 : 2;
      s += weight * window(r) * r * special::besselJn(n, a * r);
    }
    H[k] = s * h / 3;
  }
  return H;  // H[0] = 0: J_n(0) = 0 for n >= 1
}

// Cubic (four-point Lagrange) interpolation of a uniform table at x / step.
double interpolate(const std::vector<double>& t, double step, double x) {
  const double u = x / step;
  const int i = std::min(std::max(static_cast<int>(u) - 1, 0), static_cast<int>(t.size()) - 4);
  const double p = u - i;
  return -t[i] * (p - 1) * (p - 2) * (p - 3) / 6 + t[i + 1] * p * (p - 2) * (p - 3) / 2 -
         t[i + 2] * p * (p - 1) * (p - 3) / 2 + t[i + 3] * p * (p - 1) * (p - 2) / 6;
}

// V w band-limited on its box: the transform 2 pi i^|l| e^{i l (phi - rotation)} H(rho).
std::vector<cplx> fine(const Vortex& v, int box, double q) {
  const double df = q / box;
  const int half = static_cast<int>(std::ceil((q - 1) / df)), nf = 2 * half + 1;
  const double step = 1 / (64 * kOuter), rhoMax = (q - 1) * std::sqrt(2.0);
  const int n = std::abs(v.charge);
  const std::vector<double> H = hankel(n, step, static_cast<int>(std::ceil(rhoMax / step)) + 4);
  std::vector<double> band(nf);
  for (int k = 0; k < nf; ++k) band[k] = bandlimit::passBand((k - half) * df, q);
  const cplx in = std::pow(cplx(0, 1), n);
  std::vector<cplx> spec(static_cast<size_t>(nf) * nf);
  for (int ky = 0; ky < nf; ++ky)
    for (int kx = 0; kx < nf; ++kx) {
      const double w = band[ky] * band[kx] * df * df;
      const double fx = (kx - half) * df, fy = (ky - half) * df;
      if (w == 0 || (fx == 0 && fy == 0)) continue;  // H(0) = 0 for a charge
      const double phi = std::atan2(fy, fx);
      spec[static_cast<size_t>(ky) * nf + kx] = w * 2 * kPi * v.scale * in *
                                                std::polar(1.0, v.charge * (phi - v.rotation)) *
                                                interpolate(H, step, std::hypot(fx, fy));
    }
  return bandlimit::toBox(spec, nf, df, box, 1 / q);
}

}  // namespace

bool is(const std::vector<raster::Layer>& layers) {
  int vortices = 0;
  for (const auto& l : layers) {
    if (std::holds_alternative<raster::ScalarLayer>(l.what)) continue;
    const auto* v = std::get_if<raster::VortexLayer>(&l.what);
    if (!v || v->designWavelength != 0 || l.shiftX != 0 || l.shiftY != 0) return false;
    ++vortices;
  }
  return vortices == 1;
}

std::shared_ptr<const Levels> levels(const std::vector<raster::Layer>& layers, int npix, double q) {
  const Vortex v = vortexOf(layers);
  AIRY_ASSERT(v.charge != 0, "vortex: charge 0");
  auto l = std::make_shared<Levels>();
  l->coarseN = 2 * npix;
  l->coarse = coarse(v, l->coarseN);
  l->box = 2 * static_cast<int>(std::ceil((kOuter + bandlimit::margin(q)) * q)) + 3;
  l->fine = fine(v, l->box, q);
  return l;
}

}  // namespace vortex
}  // namespace airy
