// The exact area of a disk within an axis-aligned rectangle: the
// anti-aliased value of a pixel on a circle's edge (POPPY's gray pixels for
// circles are this area too).
#pragma once

namespace airy {
namespace raster {

// Area of the disk of radius r centred at the origin inside [x0, x1] x [y0, y1].
double diskInRect(double r, double x0, double x1, double y0, double y1);

}  // namespace raster
}  // namespace airy
