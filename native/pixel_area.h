// Exact areas of shapes within an axis-aligned rectangle (a pixel): the
// anti-aliased value of a pixel on a circle's or a polygon's edge (POPPY's
// gray pixels for circles are this area too).
#pragma once

#include <utility>
#include <vector>

namespace airy {
namespace raster {

// Area of the disk of radius r centred at the origin inside [x0, x1] x [y0, y1].
double diskInRect(double r, double x0, double x1, double y0, double y1);

// Area of the convex polygon `poly` (vertices in order, either sense) inside [x0, x1] x [y0, y1].
double convexInRect(const std::vector<std::pair<double, double>>& poly, double x0, double x1, double y0,
                    double y1);

}  // namespace raster
}  // namespace airy
