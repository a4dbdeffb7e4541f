// Anti-aliased rasterisation of analytic shapes: a pixel's value is the
// fraction of its area inside the shape (edge pixels supersampled 12x12;
// pixels wholly inside or outside are exact).
#pragma once

#include <vector>

namespace airy {
namespace raster {

enum class PrimKind { Circle = 0, Annulus = 1, Rect = 2, Polygon = 3, Spoke = 4, Bar = 5 };

// One primitive, in the optic's local frame (metres or arcsec):
//  Circle{r}, Annulus{ri, ro}, Rect{w, h}, Polygon{nsides, circumradius,
//  first-vertex angle (rad from +x)}, Spoke{width, angle (rad ccw from +y)}
//  (a half-infinite strip from the origin), Bar{width} (infinite strip along y).
struct Prim {
  PrimKind kind = PrimKind::Circle;
  double a = 0, b = 0, c = 0;
};

// The union of primitives, placed by a shift and a rotation (counter-
// clockwise, radians); `invert` gives 1 - coverage (an occulter).
struct Shape {
  std::vector<Prim> prims;
  double shiftX = 0, shiftY = 0, rotation = 0;
  bool invert = false;
};

// Multiplies amp[ny*nx] (the rectangle at (y0, x0) of a grid whose pixel
// (i, j) sits at ((j - cx)*scale, (i - cy)*scale)) by the shape's coverage.
void multiplyCoverage(const Shape& s, double cy, double cx, double scale, int y0, int x0,
                      int ny, int nx, double* amp);

}  // namespace raster
}  // namespace airy
