// Sampling optics on a plane's grid. A plane is a list of layers (one per
// optic, or several for a compound optic): each multiplies the amplitude,
// adds to the optical path difference, or both. Edges of analytic shapes are
// anti-aliased: a pixel's value is the fraction of its area inside the shape
// (edge pixels supersampled 12x12; pixels wholly inside or outside are exact).
#pragma once

#include <cstddef>
#include <variant>
#include <vector>

namespace airy {
namespace raster {

enum class PrimKind { Circle, Annulus, Rect, Polygon, Spoke, Bar, HalfPlane, Plane };

// One primitive, in the optic's local frame (metres or arcsec):
//  Circle{r}, Annulus{ri, ro}, Rect{w, h}, Polygon{nsides, circumradius,
//  first-vertex angle (rad from +x)}, Spoke{width, angle (rad ccw from +y)}
//  (a half-infinite strip from the origin), Bar{width} (infinite strip along y),
//  HalfPlane{} (x > 0), Plane{} (everywhere);
//  each centred at (x, y) of the optic's frame (segments of one aperture).
struct Prim {
  PrimKind kind = PrimKind::Circle;
  double a = 0, b = 0, c = 0;
  double x = 0, y = 0;
};

// Coverage of a union of primitives (1 - coverage with `invert`: an occulter):
// the area fraction of each pixel (`gray`), or 1 where the pixel's centre is
// inside and 0 elsewhere.
struct ShapeLayer {
  std::vector<Prim> prims;
  bool invert = false;
  bool gray = true;
};
// amp *= exp(-(r / w)^2).
struct GaussianLayer {
  double w = 1;
};
// A uniform amplitude factor.
struct ScalarLayer {
  double value = 1;
};
// Noll-normalised Zernike terms (coefficients in metres RMS, j from 1) inside
// `radius`, or inside the regular hexagon of circumradius `radius` (vertices
// on +-x) with `hexagon` (hexikes are Zernike combinations clipped so).
struct ZernikeLayer {
  double radius = 1;
  std::vector<double> coefficients;
  bool hexagon = false;
};
// A continuous deformable mirror: opd += sum of heights[i][j] * I(r) over an
// ny x nx lattice of actuators `spacing` apart, centred on the origin (row i
// at y = (i - (ny - 1) / 2) * spacing). I is exp(-r^2 / sigma^2), or, with a
// table of cubic B-spline coefficients, that spline (its centre at
// ((n - 1) / 2), `sampling` table pixels per actuator spacing; 0 beyond it).
struct ActuatorLayer {
  int ny = 0, nx = 0;
  double spacing = 1, sigma = 1;
  std::vector<double> heights;  // metres of OPD, row-major
  const double* table = nullptr;
  int tableNy = 0, tableNx = 0;
  double sampling = 0;
};
// opd += amplitude * sin(2 pi (frequency * x + phase)), phase in cycles.
struct SineLayer {
  double frequency = 1, amplitude = 0, phase = 0;
};
// Defocus: opd += peakToValley/2 * (2 rho^2 - 1) inside `radius`.
struct ThinLensLayer {
  double radius = 1;
  double halfPeakToValley = 0;
};
// A conic surface's departure from the paraboloid of the same vertex radius
// R: opd -= factor * (sag - r^2 / 2R), sag = r^2 / (R (1 + sqrt(1 - (1 + K)
// r^2 / R^2))); factor 2 for a mirror, n - 1 for a thin lens (the
// paraboloid's power is a separate thin lens). Defined out to `radius`; a
// clear aperture of that radius (another layer) bounds it.
struct ConicLayer {
  double radius = 1, curvature = 1, conic = 0, factor = 2;
};
// Four-quadrant phase mask: opd += step where x*y > 0.
struct FqpmLayer {
  double step = 0;
};
// 1 - [2 J1(sigma r)/(sigma r)]^2 (circular) or 1 - [sin(sigma x)/(sigma x)]^2.
struct BandLimitedLayer {
  bool circular = true;
  double sigma = 1;
};
// Vortex phase mask, theta from +x counter-clockwise: phase += charge *
// theta (achromatic), or with a design wavelength opd += charge * theta *
// designWavelength / 2 pi (the phase is charge * theta only there); the
// sample on the axis is dark (the phase has no value there).
struct VortexLayer {
  int charge = 2;
  double designWavelength = 0;  // metres; 0: achromatic
};
// Piston, tip and tilt per segment (POPPY's segmented-DM convention):
// opd += piston + tip * (x - xc) + tilt * (y - yc) at pixel centres inside a
// segment (centre (xc, yc) = its primitive's centre); 0 elsewhere.
struct SegmentOpdLayer {
  std::vector<Prim> segments;
  std::vector<double> piston, tip, tilt;  // metres, radians, radians
};
// Arrays resampled bilinearly onto the grid, centred on the optic's origin;
// 0 outside them. Pointers stay owned by the caller (the compiled system).
struct ArrayLayer {
  int ny = 0, nx = 0;
  double pixelscale = 1;
  const double* amp = nullptr;  // null: no amplitude
  const double* opd = nullptr;  // null: no OPD (metres)
};

// A layer and where it sits: shift (plane units) and rotation (radians, ccw).
struct Layer {
  std::variant<ShapeLayer, ScalarLayer, ZernikeLayer, ThinLensLayer, FqpmLayer, BandLimitedLayer, ArrayLayer,
               VortexLayer, SegmentOpdLayer, GaussianLayer, SineLayer, ActuatorLayer, ConicLayer>
      what;
  double shiftX = 0, shiftY = 0, rotation = 0;
  // True if this layer adds to the OPD.
  bool hasOpd() const;
  // True if this layer adds an achromatic phase.
  bool hasPhase() const {
    const auto* v = std::get_if<VortexLayer>(&what);
    return v && v->designWavelength == 0;
  }
};

// Pixel (i, j) of a grid sits at ((j - cx)*scale, (i - cy)*scale).
struct Grid {
  int ny = 0, nx = 0;
  double cy = 0, cx = 0, scale = 1;
};

struct Rect {
  int y0 = 0, x0 = 0, ny = 0, nx = 0;
  size_t size() const { return static_cast<size_t>(ny) * nx; }
};

// The pixels of `g` within `extent` (plane units, from the origin, plus a
// pixel of margin); the whole grid when extent is negative (unbounded).
Rect windowFor(double extent, const Grid& g);

// A plane's layers sampled on rectangle `r`: the amplitude product, the OPD
// sum (metres) and the achromatic phase sum (radians); opd and phase are
// empty when no layer has one. `cover` is the product of the shape layers'
// values alone: the fraction of each pixel the optics leave open.
struct Sampled {
  std::vector<double> amp, opd, phase, cover;
};
Sampled sample(const std::vector<Layer>& layers, const Grid& g, const Rect& r);

}  // namespace raster
}  // namespace airy
