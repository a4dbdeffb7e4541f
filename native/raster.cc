#include "raster.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common.h"

namespace airy {
namespace raster {
namespace {

constexpr int kSub = 12;

// Primitive with its constants precomputed.
struct Compiled {
  PrimKind kind;
  double a, b;
  std::vector<double> nx, ny;  // polygon edge normals
  double apothem = 0;
  double ux = 0, uy = 0;       // spoke direction
};

Compiled compile(const Prim& p) {
  Compiled c{p.kind, p.a, p.b, {}, {}};
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
  switch (c.kind) {
    case PrimKind::Circle: return std::sqrt(x * x + y * y) - c.a;
    case PrimKind::Annulus: {
      const double r = std::sqrt(x * x + y * y);
      return std::max(c.a - r, r - c.b);
    }
    case PrimKind::Rect: return std::max(std::abs(x) - c.a / 2, std::abs(y) - c.b / 2);
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
    case PrimKind::Bar: return std::abs(x) - c.a / 2;
  }
  return 0;
}

inline bool inside(const Compiled& c, double x, double y) {
  switch (c.kind) {
    case PrimKind::Circle: return x * x + y * y < c.a * c.a;
    case PrimKind::Annulus: {
      const double r2 = x * x + y * y;
      return r2 > c.a * c.a && r2 < c.b * c.b;
    }
    case PrimKind::Rect: return std::abs(x) < c.a / 2 && std::abs(y) < c.b / 2;
    case PrimKind::Polygon: return sdf(c, x, y) < 0;
    case PrimKind::Spoke:
      return x * c.ux + y * c.uy > 0 && std::abs(-x * c.uy + y * c.ux) < c.a / 2;
    case PrimKind::Bar: return std::abs(x) < c.a / 2;
  }
  return false;
}

}  // namespace

void multiplyCoverage(const Shape& s, double cy, double cx, double scale, int y0, int x0,
                      int ny, int nx, double* amp) {
  std::vector<Compiled> prims;
  for (const Prim& p : s.prims) prims.push_back(compile(p));
  const double co = std::cos(-s.rotation), si = std::sin(-s.rotation);
  const double h = scale;
  const double halfDiag = h * M_SQRT1_2 * 1.0001;
  auto unionSdf = [&](double x, double y) {
    double d = std::numeric_limits<double>::infinity();
    for (const auto& c : prims) d = std::min(d, sdf(c, x, y));
    return d;
  };
  auto unionInside = [&](double x, double y) {
    for (const auto& c : prims)
      if (inside(c, x, y)) return true;
    return false;
  };
  for (int i = 0; i < ny; ++i) {
    const double gy = (i + y0 - cy) * h - s.shiftY;
    double* row = amp + static_cast<size_t>(i) * nx;
    for (int j = 0; j < nx; ++j) {
      const double gx = (j + x0 - cx) * h - s.shiftX;
      const double x = co * gx - si * gy;
      const double y = si * gx + co * gy;
      const double d = unionSdf(x, y);
      double f;
      if (d < -halfDiag) {
        f = 1;
      } else if (d > halfDiag) {
        f = 0;
      } else {
        int n = 0;
        for (int a = 0; a < kSub; ++a) {
          const double dy = ((a + 0.5) / kSub - 0.5) * h;
          for (int b = 0; b < kSub; ++b) {
            const double dx = ((b + 0.5) / kSub - 0.5) * h;
            n += unionInside(x + co * dx - si * dy, y + si * dx + co * dy);
          }
        }
        f = static_cast<double>(n) / (kSub * kSub);
      }
      row[j] *= s.invert ? 1 - f : f;
    }
  }
}

}  // namespace raster
}  // namespace airy
