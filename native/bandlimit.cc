#include "bandlimit.h"

#include <cmath>
#include <complex>
#include <map>

#include "blas.h"
#include "common.h"
#include "special.h"

namespace airy {
namespace bandlimit {
namespace {

using cplx = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

// sin(x)/x.
double sinc(double x) { return std::abs(x) < 1e-8 ? 1 - x * x / 6 : std::sin(x) / x; }

// The shape's indicator, its transform M(f) = integral 1(u) exp(2 pi i f.u) du
// in its own frame (lambda/D units).
struct Shape {
  raster::PrimKind kind;
  double a = 0, b = 0;  // circle r | annulus ri, ro | rect w, h

  cplx transform(double fx, double fy) const {
    switch (kind) {
      case raster::PrimKind::Circle:
        return disc(a, fx, fy);
      case raster::PrimKind::Annulus:
        return disc(b, fx, fy) - disc(a, fx, fy);
      default:  // Rect
        return a * b * sinc(kPi * a * fx) * sinc(kPi * b * fy);
    }
  }

  static double disc(double r, double fx, double fy) {
    const double rho = std::hypot(fx, fy);
    if (r <= 0) return 0;
    if (rho * r < 1e-9) return kPi * r * r;
    return r * special::besselJ1(2 * kPi * r * rho) / rho;
  }
};

// A shape and where it sits (lambda/D units).
struct Placed {
  Shape shape;
  double sign = 1;  // (t - c) = sign * indicator
  double shiftX = 0, shiftY = 0, cosR = 1, sinR = 0;

  cplx transform(double fx, double fy) const {
    const double lx = cosR * fx + sinR * fy, ly = -sinR * fx + cosR * fy;
    return sign * shape.transform(lx, ly) * std::polar(1.0, 2 * kPi * (fx * shiftX + fy * shiftY));
  }
};

bool finitePrim(const raster::ShapeLayer& s) {
  if (s.prims.size() != 1 || !s.gray || s.prims[0].x != 0 || s.prims[0].y != 0) return false;
  const raster::PrimKind k = s.prims[0].kind;
  return k == raster::PrimKind::Circle || k == raster::PrimKind::Annulus || k == raster::PrimKind::Rect;
}

Placed place(const std::vector<raster::Layer>& layers, double lamD, double& outside) {
  Placed p;
  double scalar = 1;
  const raster::Layer* at = nullptr;
  for (const auto& l : layers) {
    if (const auto* s = std::get_if<raster::ScalarLayer>(&l.what)) scalar *= s->value;
    if (std::holds_alternative<raster::ShapeLayer>(l.what)) at = &l;
  }
  AIRY_ASSERT(at != nullptr, "bandlimit: no shape layer");
  const auto& s = std::get<raster::ShapeLayer>(at->what);
  const raster::Prim& pr = s.prims[0];
  p.shape.kind = pr.kind;
  p.shape.a = pr.a / lamD;
  p.shape.b = pr.b / lamD;
  outside = s.invert ? scalar : 0;
  p.sign = s.invert ? -scalar : scalar;
  p.shiftX = at->shiftX / lamD;
  p.shiftY = at->shiftY / lamD;
  p.cosR = std::cos(at->rotation);
  p.sinR = std::sin(at->rotation);
  return p;
}

// |1/2 - integral_0^d phi(v) dv| for the pass band's kernel phi: the
// band-limited unit step's spill at d lambda/D past its edge.
double spillAt(double d, double q) {
  const double f2 = q - 1;
  const int n = static_cast<int>(std::ceil(f2 * std::max(40.0, 40 * d))) + 1;
  const double df = f2 / (n - 1);
  double s = kPi * d;  // the integrand's limit at f = 0, half weight
  for (int k = 1; k < n; ++k) {
    const double f = k * df;
    s += passBand(f, q) * std::sin(2 * kPi * f * d) / f;
  }
  return std::abs(0.5 - s * df / kPi);
}

}  // namespace

double smoothStep(double t) {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  const double a = std::exp(-1 / t), b = std::exp(-1 / (1 - t));
  return a / (a + b);
}

double passBand(double f, double q) {
  const double f2 = q - 1;
  return smoothStep((f2 - std::abs(f)) / (f2 - 1));
}

std::vector<cplx> toBox(const std::vector<cplx>& spec, int nf, double df, int box, double h) {
  const int half = (nf - 1) / 2, c = (box - 1) / 2;
  std::vector<cplx> e(static_cast<size_t>(box) * nf), et(static_cast<size_t>(nf) * box);
  for (int j = 0; j < box; ++j)
    for (int k = 0; k < nf; ++k) {
      const cplx v = std::polar(1.0, -2 * kPi * ((j - c) * h) * ((k - half) * df));
      e[static_cast<size_t>(j) * nf + k] = v;
      et[static_cast<size_t>(k) * box + j] = v;
    }
  std::vector<cplx> tmp(static_cast<size_t>(nf) * box), out(static_cast<size_t>(box) * box);
  blas::zgemm(nf, box, nf, spec.data(), et.data(), tmp.data());
  blas::zgemm(box, box, nf, e.data(), tmp.data(), out.data());
  return out;
}

bool analytic(const std::vector<raster::Layer>& layers) {
  int shapes = 0;
  for (const auto& l : layers) {
    if (std::holds_alternative<raster::ScalarLayer>(l.what)) continue;
    const auto* s = std::get_if<raster::ShapeLayer>(&l.what);
    if (!s || !finitePrim(*s)) return false;
    ++shapes;
  }
  return shapes == 1;
}

double margin(double q) {
  // Per thread, so that no lock is held across fork() (forkrun) and lanes
  // never wait on each other; each thread computes a sampling once.
  thread_local std::map<double, double> cache;
  auto it = cache.find(q);
  if (it != cache.end()) return it->second;
  // The first d past which the spill stays below kSpill for a whole lambda/D
  // (the tail oscillates many times within that, under a decaying envelope).
  constexpr double kStep = 0.05, kMax = 40;
  constexpr int kRun = 20;
  double m = kMax;
  int below = 0;
  for (double d = 0; d <= kMax; d += kStep) {
    below = spillAt(d, q) > kSpill ? 0 : below + 1;
    if (below == 1) m = d;
    if (below == kRun) break;
  }
  if (below < kRun) m = kMax;
  cache.emplace(q, m);
  return m;
}

std::vector<double> sample(const std::vector<raster::Layer>& layers, int box, double pixel, double lamD,
                           double& outside) {
  const Placed shape = place(layers, lamD, outside);
  const double q = lamD / pixel;
  const double df = q / box;  // spectrum spacing: the box's period is its width
  const int half = static_cast<int>(std::ceil((q - 1) / df));
  const int nf = 2 * half + 1;
  std::vector<double> band(nf);
  for (int k = 0; k < nf; ++k) band[k] = passBand((k - half) * df, q);
  // A(ky, kx) = M(f) w(fy) w(fx) df^2, then m~ = E A E^T, E(j, k) = exp(-2 pi i u_j f_k).
  std::vector<cplx> spec(static_cast<size_t>(nf) * nf);
  for (int ky = 0; ky < nf; ++ky)
    for (int kx = 0; kx < nf; ++kx) {
      const double w = band[ky] * band[kx] * df * df;
      if (w != 0)
        spec[static_cast<size_t>(ky) * nf + kx] = w * shape.transform((kx - half) * df, (ky - half) * df);
    }
  const std::vector<cplx> m = toBox(spec, nf, df, box, 1 / q);
  std::vector<double> re(m.size());
  for (size_t i = 0; i < m.size(); ++i) re[i] = m[i].real();  // a real mask: the rest is rounding
  return re;
}

}  // namespace bandlimit
}  // namespace airy
