// Wavelengths in forked, compute-only children: POSIX fork of this process,
// each child runs native propagation only (no JavaScript), writes its PSFs
// into memory shared with the parent, and leaves with _exit. The parent waits
// off the event loop. The safety policy (lib/parallel.ts) decides whether a
// fork is allowed at all before this runs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "propagate.h"

namespace airy {
namespace forkrun {

// Installs pthread_atfork handlers that hold airy's own locks (FFTW planner,
// MFT kernel cache, scratch pools) across fork, so a child never inherits a
// lock some other thread held. Idempotent.
void installAtforkHandlers();

struct Result {
  std::vector<double> psfs;  // waves.size() x (detector pixels)
};

// Computes every wave in `workers` forked children (round-robin). `progress`
// is called from the waiting thread with the index of each finished wave
// (and once with -1 - pid for each child started). Throws airy::Error if a
// child fails or dies, naming its wavelengths and the reason.
Result run(prop::System& sys, const std::vector<prop::Wave>& waves, int workers,
           const std::function<void(long)>& progress);

}  // namespace forkrun
}  // namespace airy
