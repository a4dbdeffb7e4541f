// One wavelength through a compiled optical system, entirely in native code:
// pupil -> (MFT | FFT) -> image plane -> ... -> detector intensity.
//
// The TypeScript side rasterises every plane (wavelength-independent pupil
// arrays once per system, image-plane masks per wavelength because their
// sampling scales with the wavelength) and hands them over as windows: a
// rectangle of values on the plane's grid and one constant outside it.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common.h"
#include "fft.h"

namespace airy {
namespace prop {

using cplx = std::complex<double>;

// A mask over the rectangle [y0, y0+ny) x [x0, x0+nx) of a plane's grid,
// `outside` everywhere else. Pupil masks carry amplitude and OPD (metres);
// image masks carry complex values directly (their phase already evaluated
// at the wavelength).
struct Window {
  int y0 = 0, x0 = 0, ny = 0, nx = 0;
  const double* amp = nullptr;   // ny*nx, null = 1
  const double* opd = nullptr;   // ny*nx metres, null = 0
  const double* cpx = nullptr;   // ny*nx interleaved complex, null = use amp/opd
  cplx outside{1.0, 0.0};
  bool empty() const { return ny == 0 || nx == 0; }
};

enum class StepKind { Pupil = 0, Image = 1, Detector = 2 };

struct Step {
  StepKind kind = StepKind::Pupil;
  // Pupil: the plane's mask (owned by the System). Image: none (per call).
  Window mask;
  std::vector<double> ampStore, opdStore;
  // Detector: output size (oversampled pixels) and pixel scale (arcsec).
  int npixY = 0, npixX = 0;
  double pixelscale = 0;
};

enum class Normalize { None = 0, First = 1, Last = 2, ExitPupil = 3 };

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
  Normalize normalize = Normalize::First;
  std::vector<Step> steps;

  // Sum of |amplitude|^2 over the entrance pupil (wavelength-independent),
  // set by prepare().
  double pupilEnergy = 0;

  // Checks the step sequence; throws airy::Error on a malformed system.
  void validate() const;
  // validate(), then the per-system constants every wavelength uses.
  void prepare();

  // Scratch buffers for one propagation, returned to the pool afterwards so
  // later wavelengths reuse pages already faulted in.
  struct Scratch {
    AlignedBuffer<cplx> a, b;
  };
  std::unique_ptr<Scratch> acquire();
  void release(std::unique_ptr<Scratch> s);
  void dropScratch();

 private:
  std::vector<std::unique_ptr<Scratch>> pool_;  // guarded by the shared pool mutex
};

// A copy of the field at one plane (returnIntermediates), scaled so that
// |field|^2 is on the same scale as the detector intensity.
struct Captured {
  StepKind kind = StepKind::Pupil;
  int ny = 0, nx = 0;
  std::vector<cplx> field;
};

struct Wave {
  double wavelength = 0;               // metres
  double tiltX = 0, tiltY = 0;         // source offset, arcsec
  std::vector<Window> imageMasks;      // one per image step, in order
  int fftThreads = 1;
  fft::Effort effort = fft::Effort::Estimate;
  // When set, the field after each step is copied here (costs a copy per
  // plane and turns off the Lyot-plane crop).
  std::vector<Captured>* capture = nullptr;
};

// The one mutex guarding every system's scratch pool; held across fork().
void lockForFork();
void unlockAfterFork();
void resetInChild();

// Detector intensity (npixY x npixX of the detector step) for one
// wavelength, written to `out`. Thread-safe for concurrent calls.
Timing propagate(System& sys, const Wave& wave, double* out);

}  // namespace prop
}  // namespace airy
