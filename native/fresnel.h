// Fresnel propagation through optics separated by distances, with the
// Gaussian-beam formalism of POPPY's FresnelWavefront and PROPER (Lawrence
// 1992; Krist 2007): the field is held planar within the Rayleigh distance of
// the beam's waist and spherical (its curvature taken out) beyond it, and
// each distance goes plane-to-plane (angular spectrum), waist-to-spherical or
// spherical-to-waist, the sampling changing with each transform. Thin lenses
// move the waist (lib/fresnel/beam.ts reports this bookkeeping, through
// bind_fresnel.cc).
#pragma once

#include <memory>
#include <vector>

#include "raster.h"

namespace airy {
namespace prop {
class System;
struct Wave;
struct RunOptions;
struct Timing;
struct Captured;
}  // namespace prop

namespace fresnel {

// One plane: reached `distance` metres after the plane before; its optics,
// sampled per wavelength on the plane's grid; a thin lens of `focalLength`
// metres (0: none) applied after them.
struct Plane {
  double distance = 0;
  std::vector<raster::Layer> layers;
  double focalLength = 0;
  double extent = -1;  // metres from the axis beyond which the optics are `outside` (< 0: unbounded)
  double outside = 1;
  // Optics sampled on a fixed grid of mftN x mftN samples of mftPixel metres
  // centred on the axis, and applied through the field's angular spectrum by
  // MFTs (masks at a focus, finer than the field's own sampling); 0: on the
  // field's grid.
  int mftN = 0;
  double mftPixel = 0;
};

struct Desc {
  double beamRadius = 0;  // metres: the entrance beam's radius (its first waist)
  double rayleighFactor = 2;
  // Band-limit plane-to-plane steps to the frequencies whose transfer
  // function the array samples (off: POPPY's unlimited angular spectrum).
  bool bandLimit = false;
  std::vector<Plane> planes;
  double detectorDistance = 0;  // metres after the last plane
  double pixelSize = 0;         // detector pitch, metres
};

// A Gaussian beam's bookkeeping, as lib/fresnel/beam.ts.
class Beam {
 public:
  Beam(double radius, double wavelength, int n, double pixel, double rayleighFactor);
  enum class Op { PlaneToPlane, WaistToSpherical, SphericalToWaist };
  struct Step {
    Op op;
    double dz;
    double pixelAfter;
  };
  // The array operations that move the field by dz.
  std::vector<Step> propagate(double dz);
  // A thin lens here: the radius of the quadratic phase it leaves on the array.
  double lens(double f);
  double pixel() const { return dx_; }
  double focalLength() const { return fl_; }
  double z() const { return z_; }
  double waist() const { return w0_; }
  double waistZ() const { return zw0_; }
  // Whether the array holds the field with its curvature taken out.
  bool spherical() const { return spherical_; }

 private:
  double rayleigh() const;
  double spotRadius() const;
  double curvature() const;
  void planeToPlane(double dz, std::vector<Step>& out);
  void waistToSpherical(double dz, std::vector<Step>& out);
  void toWaist(std::vector<Step>& out);
  double lambda_;
  int n_;
  double rf_;
  double z_ = 0, w0_, zw0_ = 0, dx_, fl_;
  bool spherical_ = false;
};

// Checks a description against the system's sizes; throws airy::Error.
void validate(const Desc& d, int npix, int padded);

// Detector intensity for one wavelength into `out` (the system's detector
// step: npixY x npixX at d.pixelSize).
prop::Timing propagate(prop::System& sys, const prop::Wave& wave, const prop::RunOptions& opts, double* out,
                       std::vector<prop::Captured>* capture);

}  // namespace fresnel
}  // namespace airy
