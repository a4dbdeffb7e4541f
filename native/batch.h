// A batch of wavelengths of one compiled system, on one or more threads:
// the single way every parallel mode computes wavelengths (serial is one
// lane, threads mode several, a forked child and a spawned worker each run
// their share through it).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common.h"
#include "propagate.h"

namespace airy {
namespace batch {

struct Options {
  prop::RunOptions run;
  int lanes = 1;                    // threads computing wavelengths (this one included)
  bool capture = false;             // keep the field at every plane
  const int32_t* cancel = nullptr;  // nonzero: lanes stop before their next wavelength
};

struct Result {
  double kernelSeconds = 0, totalSeconds = 0;
  std::vector<std::vector<prop::Captured>> planes;  // per wavelength, with capture
  Failure failure;                                  // the first failure, its index naming the wavelength
};

// Computes waves[i] for each i in `indices` into out + i * (detector pixels),
// each lane taking the next index as it finishes. `progress(i)` is called
// after wavelength i (one call at a time). Stops at the first failure.
Result run(prop::System& sys, const std::vector<prop::Wave>& waves, const std::vector<size_t>& indices,
           double* out, const Options& opts, const std::function<void(long)>& progress);

// 0, 1, ..., n - 1.
std::vector<size_t> allIndices(size_t n);

}  // namespace batch
}  // namespace airy
