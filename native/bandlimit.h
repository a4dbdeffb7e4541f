// Image-plane masks of one analytic shape, sampled so that an MFT box gives
// the exact continuous answer ("analytic" mask model).
//
// Between two pupil-grid fields, an MFT image plane acts as a convolution in
// the pupil plane: dE(x) = sum_x' E(x') G(x' - x), with G(f) the box's
// discrete transform of (t - c). Pupil separations f stay inside (-1, 1) per
// axis (units of the pupil grid's width D), so G only has to equal the
// mask's continuous transform M(f) there. Box samples of
//   m~(u) = integral M(f) w(fy) w(fx) exp(-2 pi i f.u) df,
// w = 1 on |f| <= 1 and 0 beyond q - 1 (q samples per lambda/D), do exactly
// that (Poisson summation: the aliases of M w fall outside (-1, 1)), so the
// result does not depend on q once q >= 3. m~ is the mask convolved with a
// smooth kernel: it spills a little past the mask's edge, and the box
// reaches `margin(q)` lambda/D further to hold the spill.
#pragma once

#include <complex>
#include <vector>

#include "raster.h"

namespace airy {
namespace bandlimit {

// The fewest box samples per lambda/D the analytic model takes.
constexpr double kMinSampling = 3;

// Whether a plane's layers are one circle, annulus or rectangle (occulting
// or transmitting), times constant factors.
bool analytic(const std::vector<raster::Layer>& layers);

// lambda/D beyond the mask's extent past which the band-limited mask is
// below `kSpill` (relative to its unit step) at sampling q.
double margin(double q);
constexpr double kSpill = 1e-6;

// A smooth (C-infinity) step: 0 at t <= 0, 1 at t >= 1.
double smoothStep(double t);

// The pass band along one axis at sampling q: 1 on |f| <= 1, 0 beyond q - 1.
double passBand(double f, double q);

// E A E^T: an nf x nf spectrum A (spacing df, centred on the middle sample)
// on a box x box grid of spacing h (centred), E(j, k) = exp(-2 pi i u_j f_k).
std::vector<std::complex<double>> toBox(const std::vector<std::complex<double>>& spec, int nf, double df,
                                        int box, double h);

// (t - c) band-limited as above, on a box x box grid (odd, centred on the
// axis) of `pixel` arcsec, for a plane of `lamD` arcsec per lambda/D; c, the
// plane's value outside the shape, goes to `outside`.
std::vector<double> sample(const std::vector<raster::Layer>& layers, int box, double pixel, double lamD,
                           double& outside);

}  // namespace bandlimit
}  // namespace airy
