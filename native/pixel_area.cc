#include "pixel_area.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace airy {
namespace raster {
namespace {

// The half-height sqrt(r^2 - t^2), without cancellation near t = +-r.
double halfHeight(double r, double t) { return std::sqrt(std::max(0.0, (r - t) * (r + t))); }

// Antiderivative of the half-height: (t h + r^2 phi) / 2 with phi the angle
// atan2(t, h). asin(t / r) would lose half the digits near t = +-r, where
// the rounding of t / r moves the angle by sqrt(eps).
double halfHeightIntegral(double r, double t) {
  const double h = halfHeight(r, std::clamp(t, -r, r));
  return 0.5 * (t * h + r * r * std::atan2(std::clamp(t, -r, r), h));
}

}  // namespace

double diskInRect(double r, double x0, double x1, double y0, double y1) {
  const double a0 = std::max(x0, -r), a1 = std::min(x1, r);
  if (a1 <= a0 || y1 <= y0) return 0;
  // Between breakpoints (where the circle crosses y0 or y1) the column's
  // height inside is y1 - y0, or runs to the circle at one or both ends.
  double cuts[6] = {a0, a1};
  int n = 2;
  for (double y : {y0, y1}) {
    if (std::abs(y) > r) continue;  // |y| == r: a tangent point, a cut at 0
    const double t = std::sqrt(r * r - y * y);
    for (double c : {-t, t})
      if (c > a0 && c < a1) cuts[n++] = c;
  }
  for (int i = 1; i < n; ++i)  // insertion sort of at most six
    for (int j = i; j > 0 && cuts[j] < cuts[j - 1]; --j) std::swap(cuts[j], cuts[j - 1]);
  double area = 0;
  for (int k = 0; k + 1 < n; ++k) {
    const double a = cuts[k], b = cuts[k + 1];
    if (b <= a) continue;
    const double m = 0.5 * (a + b);
    const double s = halfHeight(r, m);
    const double top = std::min(y1, s), bottom = std::max(y0, -s);
    if (top <= bottom) continue;
    const double arc = halfHeightIntegral(r, b) - halfHeightIntegral(r, a);
    area += (top == y1 ? y1 * (b - a) : arc) - (bottom == y0 ? y0 * (b - a) : -arc);
  }
  return area;
}

double convexInRect(const std::vector<std::pair<double, double>>& poly, double x0, double x1, double y0,
                    double y1) {
  // Sutherland–Hodgman: clip by each side of the rectangle, then the shoelace area.
  std::vector<std::pair<double, double>> in = poly, out;
  auto clip = [&](auto inside, auto cross) {
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
      const auto& p = in[i];
      const auto& q = in[(i + 1) % in.size()];
      const bool pin = inside(p), qin = inside(q);
      if (pin) out.push_back(p);
      if (pin != qin) out.push_back(cross(p, q));
    }
    in.swap(out);
  };
  using P = std::pair<double, double>;
  auto atX = [](const P& p, const P& q, double x) {
    return P{x, p.second + (q.second - p.second) * (x - p.first) / (q.first - p.first)};
  };
  auto atY = [](const P& p, const P& q, double y) {
    return P{p.first + (q.first - p.first) * (y - p.second) / (q.second - p.second), y};
  };
  clip([&](const P& p) { return p.first >= x0; }, [&](const P& p, const P& q) { return atX(p, q, x0); });
  if (!in.empty())
    clip([&](const P& p) { return p.first <= x1; }, [&](const P& p, const P& q) { return atX(p, q, x1); });
  if (!in.empty())
    clip([&](const P& p) { return p.second >= y0; }, [&](const P& p, const P& q) { return atY(p, q, y0); });
  if (!in.empty())
    clip([&](const P& p) { return p.second <= y1; }, [&](const P& p, const P& q) { return atY(p, q, y1); });
  double twice = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto& p = in[i];
    const auto& q = in[(i + 1) % in.size()];
    twice += p.first * q.second - q.first * p.second;
  }
  return std::abs(twice) / 2;
}

}  // namespace raster
}  // namespace airy
