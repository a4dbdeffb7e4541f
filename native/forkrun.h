// Wavelengths in forked, compute-only children: POSIX fork of this process,
// each child runs its share of the batch (batch::run, no JavaScript) straight
// into the caller's shared output block, and leaves with _exit. The parent
// waits off the event loop. The safety policy (lib/run/safety.ts) decides
// whether a fork is allowed at all before this runs.
#pragma once

#include <functional>
#include <vector>

#include "batch.h"

namespace airy {
namespace forkrun {

// Installs pthread_atfork handlers that hold airy's own locks (FFTW planner,
// MFT kernel cache, scratch pools) across fork, so a child never inherits a
// lock some other thread held. Idempotent.
void installAtforkHandlers();

// Computes every wave in `workers` forked children (wave i in child i mod
// workers) into `out`, which must be memory shared with the children
// (MAP_SHARED). `progress` is called from the waiting thread with the index
// of each finished wave, and once with -1 - pid for each child started.
// Throws WaveError naming the failing wavelength: the child's own error, or
// ERR_AIRY_WORKER_DIED when a child was killed. On the first failure the
// other children are killed.
batch::Result run(prop::System& sys, const std::vector<prop::Wave>& waves, const batch::Options& opts,
                  int workers, double* out, const std::function<void(long)>& progress);

}  // namespace forkrun
}  // namespace airy
