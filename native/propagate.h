// One wavelength through a compiled optical system, entirely in native code:
// pupil -> (MFT | FFT) -> image plane -> ... -> detector intensity.
//
// Pupil planes arrive rasterised (once per system, see raster.h); image
// planes arrive as optics and are sampled here per wavelength, because their
// sampling scales with the wavelength, and kept in a per-system cache. Both
// are windows: a rectangle of values on the plane's grid and one constant
// outside it.
#pragma once

#include <complex>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "common.h"
#include "fft.h"
#include "fresnel.h"
#include "mft.h"
#include "raster.h"
#include "vortex.h"

namespace airy {
namespace prop {

using cplx = std::complex<double>;

// A mask over the rectangle [y0, y0+ny) x [x0, x0+nx) of a plane's grid,
// `outside` everywhere else. Pupil masks carry amplitude and OPD (metres);
// image masks carry complex values (their phase evaluated at the wavelength).
struct Window {
  int y0 = 0, x0 = 0, ny = 0, nx = 0;
  const double* amp = nullptr;   // ny*nx, null = 1
  const double* opd = nullptr;   // ny*nx metres, null = 0
  const cplx* values = nullptr;  // ny*nx complex, null = use amp/opd
  cplx outside{1.0, 0.0};
  bool empty() const { return ny == 0 || nx == 0; }
};

enum class StepKind { Pupil, Image, Detector };

// How an image plane is reached from the pupil before it and left again:
// the FFT of the padded array, or MFTs over a box around the mask
// (semi-analytic: E' = c E + IMFT((t - c) MFT(E)), c the value outside).
enum class ImageMethod { Fft, Mft };

// An image plane's optics, sampled per wavelength on the FFT's image grid or
// on the MFT box.
struct ImageOptics {
  std::vector<raster::Layer> layers;
  double extent = -1;  // arcsec from the centre beyond which the optics are
                       // constant (< 0: unbounded)
  double outside = 1;  // amplitude there
  ImageMethod method = ImageMethod::Fft;
  double sampling = 0;  // Mft: box samples per lambda/D (D: the pupil grid's width)
  // Mft: the mask band-limited from its analytic transform (bandlimit.h)
  // instead of sampled as area fractions of box pixels.
  bool analytic = false;
  // Mft and a vortex: its two levels, wavelength-independent, built once
  // (guarded by the pool mutex).
  mutable std::shared_ptr<const vortex::Levels> vortexLevels;
};

// An image plane sampled at one wavelength. Fft: `window` on the padded
// grid. Mft: `values` over a box of box x box samples of `pixel` arcsec
// centred on the axis (odd, so one sample sits on it).
struct ImageMask {
  Window window;
  std::vector<cplx> values;
  int box = 0;
  double pixel = 0;                        // arcsec per sample
  bool hermitian = false;                  // real and centrosymmetric on the box
  mft::Mirror mirror = mft::Mirror::None;  // real and symmetric under u -> -u (and v -> -v)
  // A vortex (vortex.h): a coarse padded FFT level and the box level.
  std::shared_ptr<const vortex::Levels> vortex;
};

struct Step {
  StepKind kind = StepKind::Pupil;
  // Pupil: the plane's rasterised mask (arrays owned or borrowed by the binding).
  Window mask;
  // Image: the optics to sample per wavelength.
  ImageOptics image;
  // Later pupils: how the window is symmetric about the pupil grid's centre
  // (set by prepare()).
  mft::Mirror mirror = mft::Mirror::None;
  // Detector: output size (oversampled pixels), pixel scale and where its
  // centre sits in the field (arcsec).
  int npixY = 0, npixX = 0;
  double pixelscale = 0;
  double offsetY = 0, offsetX = 0;
  // Quadrature over each pixel's area: node offsets from the pixel centre (in
  // pixels, per axis) and weights summing to 1. Empty: the centre value.
  std::vector<double> pixelNodes, pixelWeights;
};

enum class Normalize { None, First, Last, ExitPupil };

// How one batch of wavelengths is computed (the same for every wavelength).
struct RunOptions {
  Normalize normalize = Normalize::First;
  int fftThreads = 1;
  fft::Effort effort = fft::Effort::Estimate;
  // Fields, MFTs and FFTs in float32 (masks stay double and are narrowed as
  // they multiply the field; energies and the detector intensity sum in double).
  bool single = false;
};

// Scratch buffers for one propagation in precision R, returned to the
// system's pool afterwards so later wavelengths reuse pages already faulted in.
template <typename R>
struct Scratch {
  using C = std::complex<R>;
  AlignedBuffer<C> a, b;    // the field (padded grid, or pupil grid)
  AlignedBuffer<C> pa, pb;  // pupil-grid systems: a padded FFT plane
  AlignedBuffer<R> re;      // pupil-grid systems: a real field
  AlignedBuffer<C> va, vb;  // vortex planes: their coarse FFT plane (2 npix)^2
};

struct Timing {
  double kernelSeconds = 0;  // MFT and FFT calls
  double totalSeconds = 0;   // whole propagation
};

// A compiled system: immutable after construction, shared by any number of
// concurrent propagations (each takes its own scratch buffers from the pool).
class System {
 public:
  int npix = 0;           // pupil grid (n x n)
  int padded = 0;         // FFT grid N = n * oversample
  double pupilScale = 0;  // metres per pupil pixel
  std::vector<Step> steps;
  // Arrays the masks and layers point into, when the system owns them.
  std::deque<std::vector<double>> arrays;

  // The entrance pupil's energy, what 'first' normalises by: the caller's
  // measure of the aperture itself when given (> 0), else prepare() sets the
  // samples' sum of |amplitude|^2.
  double pupilEnergy = 0;

  // Whether fields stay on the npix x npix pupil grid (some image plane
  // goes by MFT); set by prepare().
  bool pupilGrid = false;
  // Whether some image plane goes by FFT of the padded grid; set by prepare().
  bool paddedFft = false;
  // Whether some image plane is a vortex by MFT; set by prepare().
  bool vortexPlane = false;
  // How the entrance pupil's amplitude is symmetric; set by prepare().
  mft::Mirror entranceMirror = mft::Mirror::None;

  // A Fresnel system (fresnel.h): its planes and distances. Its steps are
  // then an empty pupil and the detector, whose pixelscale is the pitch in
  // metres.
  std::shared_ptr<const fresnel::Desc> fresnel;

  // Checks the step sequence; throws airy::Error on a malformed system.
  void validate() const;
  // validate(), then the per-system constants every wavelength uses.
  void prepare();

  // Scratch buffers in precision R (float or double), from the pool or new.
  template <typename R>
  std::unique_ptr<Scratch<R>> acquire();
  template <typename R>
  void release(std::unique_ptr<Scratch<R>> s);
  // Frees the scratch pools and the image-mask cache (rebuilt on demand).
  void dropScratch();

  // The entrance pupil's amplitude in float (1 where it has none), made
  // once: the direct path's single-precision input for every wavelength.
  std::shared_ptr<const std::vector<float>> entranceAmplitudeSingle();

  // Every image plane sampled at `wavelength` (cached per wavelength, up to
  // kMaskCacheBytes in all).
  using Masks = std::shared_ptr<const std::vector<ImageMask>>;
  Masks imageMasks(double wavelength);
  static constexpr size_t kMaskCacheBytes = size_t(256) << 20;

 private:
  Masks sampleImagePlanes(double wavelength) const;
  std::shared_ptr<const vortex::Levels> vortexLevels(const ImageOptics& io) const;
  template <typename R>
  std::vector<std::unique_ptr<Scratch<R>>>& pool();
  // Guarded by the shared pool mutex.
  std::vector<std::unique_ptr<Scratch<double>>> pool_;
  std::vector<std::unique_ptr<Scratch<float>>> poolSingle_;
  std::shared_ptr<const std::vector<float>> entranceSingle_;
  std::vector<std::pair<double, Masks>> maskCache_;
  size_t maskCacheBytes_ = 0;
};

// A copy of the field at one plane (returnIntermediates), scaled so that
// |field|^2 is on the same scale as the detector intensity.
struct Captured {
  StepKind kind = StepKind::Pupil;
  int ny = 0, nx = 0;
  double pixelscale = 0;  // image planes: arcsec per sample (0: the FFT grid's)
  std::vector<cplx> field;
};

struct Wave {
  double wavelength = 0;        // metres
  double tiltX = 0, tiltY = 0;  // source offset, arcsec
};

// The one mutex guarding every system's scratch pool; held across fork().
void lockForFork();
void unlockAfterFork();
void resetInChild();

// Detector intensity (npixY x npixX of the detector step) for one
// wavelength, written to `out`. With `capture`, the field after each step is
// copied there (a copy per plane; the Lyot-plane crop is turned off).
// Thread-safe for concurrent calls.
Timing propagate(System& sys, const Wave& wave, const RunOptions& opts, double* out,
                 std::vector<Captured>* capture = nullptr);

}  // namespace prop
}  // namespace airy
