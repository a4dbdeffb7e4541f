// Vortex coronagraph masks, exp(i charge theta), for the pupil-grid path:
// two levels that add up to the mask exactly.
//  - coarse: V (1 - w) on a padded FFT grid at 2 samples per lambda/D. The
//    window w (1 inside kInner, 0 beyond kOuter lambda/D, smooth between)
//    takes the singular centre away, so what is left varies slowly and two
//    samples per lambda/D hold it.
//  - fine: V w on an MFT box, from its transform (a Hankel transform of w of
//    order |charge|) band-limited as bandlimit.h does, so the singular centre
//    is resolved exactly whatever the box sampling.
// Both are in lambda/D units, so the same for every wavelength.
#pragma once

#include <complex>
#include <memory>
#include <vector>

#include "raster.h"

namespace airy {
namespace vortex {

constexpr double kInner = 4, kOuter = 16;

// Whether a plane's layers are one achromatic, centred vortex (times
// constant factors).
bool is(const std::vector<raster::Layer>& layers);

struct Levels {
  int coarseN = 0;                           // padded grid: 2 npix, even
  std::vector<std::complex<double>> coarse;  // coarseN^2, the axis at coarseN / 2
  int box = 0;                               // odd MFT box, q samples per lambda/D
  std::vector<std::complex<double>> fine;    // box^2
};

// The levels for a pupil grid of npix and a box sampling q.
std::shared_ptr<const Levels> levels(const std::vector<raster::Layer>& layers, int npix, double q);

}  // namespace vortex
}  // namespace airy
