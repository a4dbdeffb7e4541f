#include "circle_area.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace airy {
namespace raster {
namespace {

// Antiderivative of the disk's half-height sqrt(r^2 - t^2).
double halfHeightIntegral(double r, double t) {
  const double u = std::clamp(t / r, -1.0, 1.0);
  return 0.5 * (t * std::sqrt(std::max(0.0, r * r - t * t)) + r * r * std::asin(u));
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
    if (std::abs(y) >= r) continue;
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
    const double s = std::sqrt(std::max(0.0, r * r - m * m));
    const double top = std::min(y1, s), bottom = std::max(y0, -s);
    if (top <= bottom) continue;
    const double arc = halfHeightIntegral(r, b) - halfHeightIntegral(r, a);
    area += (top == y1 ? y1 * (b - a) : arc) - (bottom == y0 ? y0 * (b - a) : -arc);
  }
  return area;
}

}  // namespace raster
}  // namespace airy
