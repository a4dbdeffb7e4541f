#include "raster.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common.h"
#include "pixel_area.h"
#include "special.h"

namespace airy {
namespace raster {
namespace {

// Distance for the bounding-circle culls, which keep a pixel of margin:
// std::hypot's care for overflow costs several times the arithmetic.
inline double dist(double x, double y) { return std::sqrt(x * x + y * y); }

constexpr int kSub = 12;

// Primitive with its constants precomputed.
struct Compiled {
  PrimKind kind;
  double a, b;
  double x0 = 0, y0 = 0;                                   // centre
  double reach = std::numeric_limits<double>::infinity();  // bounding radius about the centre
  std::vector<double> nx, ny;                              // polygon edge normals
  double apothem = 0;
  double ux = 0, uy = 0;  // spoke direction
};

Compiled compile(const Prim& p) {
  Compiled c{p.kind, p.a, p.b, 0, 0, std::numeric_limits<double>::infinity(), {}, {}};
  c.x0 = p.x;
  c.y0 = p.y;
  if (p.kind == PrimKind::Circle) c.reach = p.a;
  if (p.kind == PrimKind::Annulus) c.reach = p.b;
  if (p.kind == PrimKind::Rect) c.reach = std::hypot(p.a, p.b) / 2;
  if (p.kind == PrimKind::Polygon) c.reach = p.b;
  if (p.kind == PrimKind::Polygon) {
    const int n = static_cast<int>(p.a);
    AIRY_ASSERT(n >= 3, "raster: polygon needs 3 or more sides");
    c.apothem = p.b * std::cos(M_PI / n);
    for (int k = 0; k < n; ++k) {
      const double ang = p.c + (M_PI / n) * (2 * k + 1);
      c.nx.push_back(std::cos(ang));
      c.ny.push_back(std::sin(ang));
    }
  } else if (p.kind == PrimKind::Spoke) {
    c.ux = -std::sin(p.b);
    c.uy = std::cos(p.b);
  }
  return c;
}

// A lower bound of the distance to the boundary outside (positive), the
// distance inside (negative).
inline double sdf(const Compiled& c, double x, double y) {
  x -= c.x0;
  y -= c.y0;
  switch (c.kind) {
    case PrimKind::Circle:
      return std::sqrt(x * x + y * y) - c.a;
    case PrimKind::Annulus: {
      const double r = std::sqrt(x * x + y * y);
      return std::max(c.a - r, r - c.b);
    }
    case PrimKind::Rect:
      return std::max(std::abs(x) - c.a / 2, std::abs(y) - c.b / 2);
    case PrimKind::Polygon: {
      double d = -std::numeric_limits<double>::infinity();
      for (size_t k = 0; k < c.nx.size(); ++k) d = std::max(d, x * c.nx[k] + y * c.ny[k] - c.apothem);
      return d;
    }
    case PrimKind::Spoke: {
      const double t = x * c.ux + y * c.uy;
      const double s = std::abs(-x * c.uy + y * c.ux);
      return std::max(s - c.a / 2, -t);
    }
    case PrimKind::Bar:
      return std::abs(x) - c.a / 2;
    case PrimKind::HalfPlane:
      return -x;
    case PrimKind::Plane:
      return -std::numeric_limits<double>::infinity();
  }
  return 0;
}

inline bool inside(const Compiled& c, double x, double y) {
  x -= c.x0;
  y -= c.y0;
  switch (c.kind) {
    case PrimKind::Circle:
      return x * x + y * y < c.a * c.a;
    case PrimKind::Annulus: {
      const double r2 = x * x + y * y;
      return r2 > c.a * c.a && r2 < c.b * c.b;
    }
    case PrimKind::Rect:
      return std::abs(x) < c.a / 2 && std::abs(y) < c.b / 2;
    case PrimKind::Polygon:
      return sdf(c, x + c.x0, y + c.y0) < 0;
    case PrimKind::Spoke:
      return x * c.ux + y * c.uy > 0 && std::abs(-x * c.uy + y * c.ux) < c.a / 2;
    case PrimKind::Bar:
      return std::abs(x) < c.a / 2;
    case PrimKind::HalfPlane:
      return x > 0;
    case PrimKind::Plane:
      return true;
  }
  return false;
}

// A primitive's corners in its optic's frame; unbounded strips and half
// planes become rectangles reaching `far` (clipping needs finite corners).
std::vector<std::pair<double, double>> cornersOf(const Prim& p, double far) {
  switch (p.kind) {
    case PrimKind::Rect:
      return {{-p.a / 2, -p.b / 2}, {p.a / 2, -p.b / 2}, {p.a / 2, p.b / 2}, {-p.a / 2, p.b / 2}};
    case PrimKind::Bar:
      return {{-p.a / 2, -far}, {p.a / 2, -far}, {p.a / 2, far}, {-p.a / 2, far}};
    case PrimKind::HalfPlane:
      return {{0, -far}, {far, -far}, {far, far}, {0, far}};
    case PrimKind::Spoke: {  // from the origin along (-sin b, cos b), width a
      const double ux = -std::sin(p.b), uy = std::cos(p.b), w = p.a / 2;
      return {{uy * w, -ux * w},
              {uy * w + ux * far, -ux * w + uy * far},
              {-uy * w + ux * far, ux * w + uy * far},
              {-uy * w, ux * w}};
    }
    default: {
      std::vector<std::pair<double, double>> v;
      const int n = static_cast<int>(p.a);
      for (int k = 0; k < n; ++k)
        v.push_back({p.b * std::cos(p.c + 2 * M_PI * k / n), p.b * std::sin(p.c + 2 * M_PI * k / n)});
      return v;
    }
  }
}

// Exact areas of edge pixels for a layer made only of disks (circles,
// annuli) or only of convex shapes (polygons, rectangles, strips, half
// planes), in the grid's frame; the primitives of one optic do not overlap,
// so their areas add. `usable` is false for mixed layers (circle and struts).
struct ExactEdges {
  bool disks = false, convex = false;
  double h = 1;
  std::vector<Prim> prims;
  std::vector<double> centreX, centreY, reach;
  std::vector<std::vector<std::pair<double, double>>> corners;

  ExactEdges(const ShapeLayer& s, const std::vector<Compiled>& compiled, const Layer& at, const Grid& g)
      : h(g.scale), prims(s.prims) {
    auto all = [&](std::initializer_list<PrimKind> kinds) {
      return std::all_of(prims.begin(), prims.end(), [&](const Prim& p) {
        return std::find(kinds.begin(), kinds.end(), p.kind) != kinds.end();
      });
    };
    disks = all({PrimKind::Circle, PrimKind::Annulus});
    convex = !disks &&
             all({PrimKind::Polygon, PrimKind::Rect, PrimKind::Bar, PrimKind::Spoke, PrimKind::HalfPlane});
    const double co = std::cos(at.rotation), si = std::sin(at.rotation);
    auto toGrid = [&](double x, double y) {
      return std::make_pair(co * x - si * y + at.shiftX, si * x + co * y + at.shiftY);
    };
    const double far = 4 * (std::hypot(g.nx, g.ny) * h + std::hypot(at.shiftX, at.shiftY));
    for (size_t k = 0; k < prims.size(); ++k) {
      const Prim& p = prims[k];
      const auto [cx, cy] = toGrid(p.x, p.y);
      centreX.push_back(cx);
      centreY.push_back(cy);
      reach.push_back(compiled[k].reach);
      if (!convex) continue;
      auto local = cornersOf(p, far);
      for (auto& v : local) v = toGrid(v.first + p.x, v.second + p.y);
      corners.push_back(std::move(local));
    }
  }
  bool usable() const { return disks || convex; }

  // The open fraction of the pixel centred at (px, py), grid frame.
  double at(double px, double py) const {
    double area = 0;
    for (size_t k = 0; k < prims.size(); ++k) {
      if (dist(px - centreX[k], py - centreY[k]) > reach[k] + h) continue;
      const double x0 = px - h / 2, x1 = px + h / 2, y0 = py - h / 2, y1 = py + h / 2;
      if (convex) {
        area += convexInRect(corners[k], x0, x1, y0, y1);
        continue;
      }
      const Prim& p = prims[k];
      const double dx = centreX[k], dy = centreY[k];
      area += diskInRect(p.kind == PrimKind::Circle ? p.a : p.b, x0 - dx, x1 - dx, y0 - dy, y1 - dy);
      if (p.kind == PrimKind::Annulus) area -= diskInRect(p.a, x0 - dx, x1 - dx, y0 - dy, y1 - dy);
    }
    return std::clamp(area / (h * h), 0.0, 1.0);
  }
};

// The open fraction of an edge pixel by kSub x kSub samples (mixed shapes).
template <typename Inside>
double sampledFraction(Inside inside, double x, double y, double co, double si, double h) {
  int n = 0;
  for (int a = 0; a < kSub; ++a) {
    const double dy = ((a + 0.5) / kSub - 0.5) * h;
    for (int b = 0; b < kSub; ++b) {
      const double dx = ((b + 0.5) / kSub - 0.5) * h;
      n += inside(x + co * dx - si * dy, y + si * dx + co * dy);
    }
  }
  return static_cast<double>(n) / (kSub * kSub);
}

void coverage(const ShapeLayer& s, const Layer& at, const Grid& g, const Rect& r, double* amp,
              double* cover) {
  std::vector<Compiled> prims;
  for (const Prim& p : s.prims) prims.push_back(compile(p));
  const ExactEdges exact(s, prims, at, g);
  const double co = std::cos(-at.rotation), si = std::sin(-at.rotation);
  const double h = g.scale;
  const double halfDiag = h * M_SQRT1_2 * 1.0001;
  // The distance to a primitive's bounding circle bounds its sdf from below:
  // with many segments most are skipped by it.
  auto unionSdf = [&](double x, double y) {
    double d = std::numeric_limits<double>::infinity();
    for (const auto& c : prims) {
      if (dist(x - c.x0, y - c.y0) - c.reach >= d) continue;
      d = std::min(d, sdf(c, x, y));
    }
    return d;
  };
  auto unionInside = [&](double x, double y) {
    for (const auto& c : prims)
      if (dist(x - c.x0, y - c.y0) < c.reach + h && inside(c, x, y)) return true;
    return false;
  };
  for (int i = 0; i < r.ny; ++i) {
    const double gy = (i + r.y0 - g.cy) * h;
    for (int j = 0; j < r.nx; ++j) {
      const double gx = (j + r.x0 - g.cx) * h;
      const double lx = gx - at.shiftX, ly = gy - at.shiftY;
      const double x = co * lx - si * ly, y = si * lx + co * ly;
      const double d = unionSdf(x, y);
      double f;
      if (!s.gray)  // binary as POPPY draws it: apertures and stops include their edge, obscurations do not
        f = (s.invert ? d < 0 : d <= 0) ? 1 : 0;
      else if (d < -halfDiag)
        f = 1;
      else if (d > halfDiag)
        f = 0;
      else if (exact.usable())
        f = exact.at(gx, gy);
      else
        f = sampledFraction(unionInside, x, y, co, si, h);
      const double v = s.invert ? 1 - f : f;
      const size_t k = static_cast<size_t>(i) * r.nx + j;
      amp[k] *= v;
      cover[k] *= v;
    }
  }
}

// Local (un-shifted, un-rotated) coordinates of grid pixels, row by row.
struct Local {
  double co, si;
  const Layer& at;
  const Grid& g;
  Local(const Layer& l, const Grid& grid)
      : co(std::cos(-l.rotation)), si(std::sin(-l.rotation)), at(l), g(grid) {}
  void operator()(int i, int j, double& x, double& y) const {
    const double gx = (j - g.cx) * g.scale - at.shiftX;
    const double gy = (i - g.cy) * g.scale - at.shiftY;
    x = co * gx - si * gy;
    y = si * gx + co * gy;
  }
};

// Calls f(k, x, y) for every pixel k of rectangle r in the layer's frame.
template <typename F>
void eachPixel(const Layer& l, const Grid& g, const Rect& r, F&& f) {
  const Local loc(l, g);
  for (int i = 0; i < r.ny; ++i)
    for (int j = 0; j < r.nx; ++j) {
      double x, y;
      loc(i + r.y0, j + r.x0, x, y);
      f(static_cast<size_t>(i) * r.nx + j, x, y);
    }
}

// Noll index j (from 1) -> radial order n and signed azimuthal frequency m
// (sine terms negative).
void nollToNM(int j, int& n, int& m) {
  n = 0;
  while ((n + 1) * (n + 2) / 2 < j) ++n;
  const int k = j - n * (n + 1) / 2 - 1;
  m = n % 2 == 0 ? 2 * ((k + 1) / 2) : 2 * (k / 2) + 1;
  if (m != 0 && j % 2 == 1) m = -m;
}

double factorial(int n) {
  double f = 1;
  for (int i = 2; i <= n; ++i) f *= i;
  return f;
}

// One Zernike term with its radial polynomial's coefficients precomputed.
struct ZernikeTerm {
  double coefficient;
  int n, m;
  std::vector<double> radial;  // R(rho) = sum_s radial[s] rho^(n - 2s)
  double norm;

  double at(double rho, double theta) const {
    double r = 0;
    for (size_t s = 0; s < radial.size(); ++s) r += radial[s] * std::pow(rho, n - 2 * static_cast<int>(s));
    const int am = std::abs(m);
    if (am == 0) return norm * r;
    return norm * r * (m > 0 ? std::cos(am * theta) : std::sin(am * theta));
  }
};

ZernikeTerm zernikeTerm(int j, double coefficient) {
  ZernikeTerm t{coefficient, 0, 0, {}, 0};
  nollToNM(j, t.n, t.m);
  const int am = std::abs(t.m);
  for (int s = 0; s <= (t.n - am) / 2; ++s)
    t.radial.push_back((s % 2 ? -1 : 1) * factorial(t.n - s) /
                       (factorial(s) * factorial((t.n + am) / 2 - s) * factorial((t.n - am) / 2 - s)));
  t.norm = am == 0 ? std::sqrt(t.n + 1.0) : std::sqrt(2.0 * (t.n + 1));
  return t;
}

// Bilinear sample of an ny x nx array at fractional index (fy, fx); 0 outside.
double bilinear(const double* a, int ny, int nx, double fy, double fx) {
  if (fy < -0.5 || fy > ny - 0.5 || fx < -0.5 || fx > nx - 0.5) return 0;
  const double y = std::min(std::max(fy, 0.0), ny - 1.0);
  const double x = std::min(std::max(fx, 0.0), nx - 1.0);
  const int y0 = std::min(static_cast<int>(std::floor(y)), std::max(ny - 2, 0));
  const int x0 = std::min(static_cast<int>(std::floor(x)), std::max(nx - 2, 0));
  const double ty = ny > 1 ? y - y0 : 0, tx = nx > 1 ? x - x0 : 0;
  auto v = [&](int i, int j) {
    return a[static_cast<size_t>(std::min(i, ny - 1)) * nx + std::min(j, nx - 1)];
  };
  return (1 - ty) * ((1 - tx) * v(y0, x0) + tx * v(y0, x0 + 1)) +
         ty * ((1 - tx) * v(y0 + 1, x0) + tx * v(y0 + 1, x0 + 1));
}

// Cubic B-spline weights of the four coefficients around offset t in [0, 1).
void splineWeights(double t, double w[4]) {
  const double u = 1 - t, t2 = t * t, t3 = t2 * t;
  w[0] = u * u * u / 6;
  w[1] = (4 - 6 * t2 + 3 * t3) / 6;
  w[2] = (1 + 3 * t + 3 * t2 - 3 * t3) / 6;
  w[3] = t3 / 6;
}

// The cubic B-spline with ny x nx coefficients at fractional (row fi,
// column fj); 0 outside the table, coefficients beyond its edge count as 0.
double splineAt(const double* a, int ny, int nx, double fi, double fj) {
  if (!(fi > -1 && fi < ny && fj > -1 && fj < nx)) return 0;
  const int i0 = static_cast<int>(std::floor(fi)), j0 = static_cast<int>(std::floor(fj));
  double wy[4], wx[4];
  splineWeights(fi - i0, wy);
  splineWeights(fj - j0, wx);
  double v = 0;
  for (int di = 0; di < 4; ++di) {
    const int i = i0 - 1 + di;
    if (i < 0 || i >= ny) continue;
    double row = 0;
    for (int dj = 0; dj < 4; ++dj) {
      const int j = j0 - 1 + dj;
      if (j >= 0 && j < nx) row += wx[dj] * a[static_cast<size_t>(i) * nx + j];
    }
    v += wy[di] * row;
  }
  return v;
}

// JavaScript's Math.round (halves toward +infinity).
double roundHalfUp(double v) { return std::floor(v + 0.5); }

struct Apply {
  const Layer& l;
  const Grid& g;
  const Rect& r;
  double* amp;
  double* opd;
  double* phase;
  double* cover;

  void operator()(const ShapeLayer& s) const { coverage(s, l, g, r, amp, cover); }
  void operator()(const ScalarLayer& s) const {
    for (size_t k = 0; k < r.size(); ++k) amp[k] *= s.value;
  }
  void operator()(const ZernikeLayer& z) const {
    if (!opd) return;
    std::vector<ZernikeTerm> terms;
    for (size_t i = 0; i < z.coefficients.size(); ++i)
      if (z.coefficients[i] != 0) terms.push_back(zernikeTerm(static_cast<int>(i) + 1, z.coefficients[i]));
    const double h = std::sqrt(3.0) / 2 * z.radius;
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      const double rho = std::sqrt(x * x + y * y) / z.radius;
      if (rho > 1) return;
      if (z.hexagon && (std::abs(y) > h || std::sqrt(3.0) * std::abs(x) + std::abs(y) > 2 * h)) return;
      const double th = std::atan2(y, x);
      double v = 0;
      for (const auto& t : terms) v += t.coefficient * t.at(rho, th);
      opd[k] += v;
    });
  }
  void operator()(const ThinLensLayer& t) const {
    if (!opd) return;
    const double r2 = t.radius * t.radius;
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      const double rho2 = (x * x + y * y) / r2;
      if (rho2 <= 1) opd[k] += t.halfPeakToValley * (2 * rho2 - 1);
    });
  }
  void operator()(const ConicLayer& c) const {
    if (!opd) return;
    const double R = c.curvature, k1 = 1 + c.conic;
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      // Not clipped at the radius: the clear aperture (a layer of its own) is.
      const double r2 = x * x + y * y;
      // sag - r^2/2R = (1 + K) r^4 / (2 R^3 (1 + q)^2), without the cancellation near the axis.
      const double q = std::sqrt(std::max(0.0, 1 - k1 * r2 / (R * R)));
      opd[k] -= c.factor * k1 * r2 * r2 / (2 * R * R * R * (1 + q) * (1 + q));
    });
  }
  void operator()(const FqpmLayer& f) const {
    if (!opd) return;
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      if (x * y > 0) opd[k] += f.step;
    });
  }
  void operator()(const BandLimitedLayer& b) const {
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      double t;
      if (b.circular) {
        const double s = b.sigma * std::sqrt(x * x + y * y);
        t = s < 1e-8 ? 0 : 1 - std::pow(2 * special::besselJ1(s) / s, 2);
      } else {
        const double s = b.sigma * x;
        t = s == 0 ? 0 : 1 - std::pow(std::sin(s) / s, 2);
      }
      amp[k] *= t;
    });
  }
  void operator()(const VortexLayer& v) const {
    const double toOpd = v.designWavelength / (2 * M_PI);
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      if (x == 0 && y == 0)
        amp[k] = 0;
      else if (toOpd > 0 && opd)
        opd[k] += v.charge * std::atan2(y, x) * toOpd;
      else if (toOpd == 0 && phase)
        phase[k] += v.charge * std::atan2(y, x);
    });
  }
  void operator()(const ActuatorLayer& a) const {
    if (!opd) return;
    // Beyond 6 sigma an influence is below 3e-16 of its height; a table ends at its edge.
    const double tableReach = (std::max(a.tableNy, a.tableNx) + 3) / 2.0 / std::max(a.sampling, 1e-300);
    const int reach = static_cast<int>(std::ceil(a.table ? tableReach : 6 * a.sigma / a.spacing));
    const double s2 = a.sigma * a.sigma;
    const auto influence = [&](double dx, double dy) {
      if (!a.table) return std::exp(-(dx * dx + dy * dy) / s2);
      return splineAt(a.table, a.tableNy, a.tableNx, dy / a.spacing * a.sampling + (a.tableNy - 1) / 2.0,
                      dx / a.spacing * a.sampling + (a.tableNx - 1) / 2.0);
    };
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      const double fi = y / a.spacing + (a.ny - 1) / 2.0, fj = x / a.spacing + (a.nx - 1) / 2.0;
      const int i0 = std::max(0, static_cast<int>(std::floor(fi)) - reach);
      const int i1 = std::min(a.ny - 1, static_cast<int>(std::ceil(fi)) + reach);
      const int j0 = std::max(0, static_cast<int>(std::floor(fj)) - reach);
      const int j1 = std::min(a.nx - 1, static_cast<int>(std::ceil(fj)) + reach);
      double v = 0;
      for (int i = i0; i <= i1; ++i) {
        const double dy = y - (i - (a.ny - 1) / 2.0) * a.spacing;
        for (int j = j0; j <= j1; ++j) {
          const double h = a.heights[static_cast<size_t>(i) * a.nx + j];
          if (h == 0) continue;
          const double dx = x - (j - (a.nx - 1) / 2.0) * a.spacing;
          v += h * influence(dx, dy);
        }
      }
      opd[k] += v;
    });
  }
  void operator()(const SineLayer& w) const {
    if (!opd) return;
    eachPixel(l, g, r, [&](size_t k, double x, double) {
      opd[k] += w.amplitude * std::sin(2 * M_PI * (w.frequency * x + w.phase));
    });
  }
  void operator()(const GaussianLayer& gl) const {
    eachPixel(l, g, r,
              [&](size_t k, double x, double y) { amp[k] *= std::exp(-(x * x + y * y) / (gl.w * gl.w)); });
  }
  void operator()(const SegmentOpdLayer& s) const {
    if (!opd) return;
    std::vector<Compiled> segs;
    for (const Prim& p : s.segments) segs.push_back(compile(p));
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      for (size_t i = 0; i < segs.size(); ++i) {
        const Compiled& c = segs[i];
        if (std::hypot(x - c.x0, y - c.y0) >= c.reach || !inside(c, x, y)) continue;
        opd[k] += s.piston[i] + s.tip[i] * (x - c.x0) + s.tilt[i] * (y - c.y0);
        return;  // segments do not overlap
      }
    });
  }
  void operator()(const ArrayLayer& a) const {
    // Same sampling: snap to the nearest sample so the arrays pass through unchanged.
    const bool same = g.scale == a.pixelscale && l.rotation == 0;
    eachPixel(l, g, r, [&](size_t k, double x, double y) {
      double fy = y / a.pixelscale + (a.ny - 1) / 2.0;
      double fx = x / a.pixelscale + (a.nx - 1) / 2.0;
      if (same) {
        fy = roundHalfUp(fy * 1e9) / 1e9;
        fx = roundHalfUp(fx * 1e9) / 1e9;
      }
      if (a.amp) amp[k] *= bilinear(a.amp, a.ny, a.nx, fy, fx);
      if (a.opd && opd) opd[k] += bilinear(a.opd, a.ny, a.nx, fy, fx);
    });
  }
};

struct WritesOpd {
  bool operator()(const ZernikeLayer& z) const {
    for (double c : z.coefficients)
      if (c != 0) return true;
    return false;
  }
  bool operator()(const ThinLensLayer& t) const { return t.halfPeakToValley != 0; }
  bool operator()(const FqpmLayer&) const { return true; }
  bool operator()(const ConicLayer& c) const { return c.conic != -1; }
  bool operator()(const ArrayLayer& a) const { return a.opd != nullptr; }
  bool operator()(const VortexLayer& v) const { return v.designWavelength > 0; }
  bool operator()(const SegmentOpdLayer& s) const { return !s.segments.empty(); }
  bool operator()(const SineLayer& w) const { return w.amplitude != 0; }
  bool operator()(const ActuatorLayer&) const { return true; }
  template <typename T>
  bool operator()(const T&) const {
    return false;
  }
};

}  // namespace

bool Layer::hasOpd() const { return std::visit(WritesOpd{}, what); }

Rect windowFor(double extent, const Grid& g) {
  if (!(extent >= 0) || !std::isfinite(extent)) return {0, 0, g.ny, g.nx};
  const double half = extent / g.scale + 1;
  const int y0 = std::max(0, static_cast<int>(std::floor(g.cy - half)));
  const int x0 = std::max(0, static_cast<int>(std::floor(g.cx - half)));
  const int y1 = std::min(g.ny, static_cast<int>(std::ceil(g.cy + half)) + 1);
  const int x1 = std::min(g.nx, static_cast<int>(std::ceil(g.cx + half)) + 1);
  return {y0, x0, std::max(0, y1 - y0), std::max(0, x1 - x0)};
}

Sampled sample(const std::vector<Layer>& layers, const Grid& g, const Rect& r) {
  Sampled s;
  s.amp.assign(r.size(), 1.0);
  s.cover.assign(r.size(), 1.0);
  bool hasOpd = false, hasPhase = false;
  for (const auto& l : layers) {
    hasOpd = hasOpd || l.hasOpd();
    hasPhase = hasPhase || l.hasPhase();
  }
  if (hasOpd) s.opd.assign(r.size(), 0.0);
  if (hasPhase) s.phase.assign(r.size(), 0.0);
  for (const auto& l : layers)
    std::visit(Apply{l, g, r, s.amp.data(), hasOpd ? s.opd.data() : nullptr,
                     hasPhase ? s.phase.data() : nullptr, s.cover.data()},
               l.what);
  return s;
}

}  // namespace raster
}  // namespace airy
