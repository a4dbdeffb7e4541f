#include "batch.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>

namespace airy {
namespace batch {

std::vector<size_t> allIndices(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t(0));
  return v;
}

Result run(prop::System& sys, const std::vector<prop::Wave>& waves, const std::vector<size_t>& indices,
           double* out, const Options& opts, const std::function<void(long)>& progress) {
  const prop::Step& det = sys.steps.back();
  const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
  const size_t n = indices.size();
  Result res;
  if (opts.capture) res.planes.resize(waves.size());
  std::atomic<size_t> next{0};
  std::mutex lock;  // guards the result and progress calls
  auto lane = [&] {
    for (;;) {
      if (opts.cancel && __atomic_load_n(opts.cancel, __ATOMIC_RELAXED) != 0) return;
      const size_t k = next.fetch_add(1);
      if (k >= n) return;
      const size_t i = indices[k];
      prop::Timing t;
      std::vector<prop::Captured> planes;
      Failure f = catchFailure([&] {
        t = prop::propagate(sys, waves[i], opts.run, out + m * i, opts.capture ? &planes : nullptr);
        // Intensities can overflow where the fields did not (|E|^2 of a large but finite E).
        if (!scaleAndCheck(out + m * i, m, 1.0))
          throw Error("ERR_AIRY_NONFINITE", "the detector intensity is not finite");
      });
      std::lock_guard<std::mutex> g(lock);
      if (f) {
        if (!res.failure) {
          res.failure = std::move(f);
          res.failure.index = static_cast<long>(i);
        }
        next.store(n);
        return;
      }
      res.kernelSeconds += t.kernelSeconds;
      res.totalSeconds += t.totalSeconds;
      if (opts.capture) res.planes[i] = std::move(planes);
      if (progress) progress(static_cast<long>(i));
    }
  };
  std::vector<std::thread> helpers;
  const size_t lanes = std::min<size_t>(std::max(opts.lanes, 1), std::max<size_t>(n, 1));
  for (size_t k = 1; k < lanes; ++k) {
    try {
      helpers.emplace_back(lane);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the lanes that exist do the work
    }
  }
  lane();
  for (auto& h : helpers) h.join();
  return res;
}

}  // namespace batch
}  // namespace airy
