// 2D complex FFTs on FFTW: a keyed plan cache, one planner mutex, threads,
// new-array execution and wisdom import/export.
#pragma once

#include <complex>
#include <cstddef>
#include <string>

namespace airy {
namespace fft {

enum class Effort { Estimate = 0, Measure = 1, Patient = 2 };

// Out-of-place 2D DFT of an ny x nx row-major interleaved complex array.
// Forward uses exp(-2*pi*i*k*n/N) (FFTW_FORWARD), inverse exp(+...).
// The result is scaled by 1/sqrt(ny*nx): both directions are unitary.
// `in` is not modified. Thread-safe.
template <typename R>
void transform(const std::complex<R>* in, std::complex<R>* out, int ny, int nx, bool inverse, int threads,
               Effort effort);

// Makes (or finds) the plan for these parameters with aligned arrays and
// returns the seconds spent planning (0 when it came from the cache).
double plan(int ny, int nx, bool inverse, int threads, Effort effort, bool single);

// True if FFTW already has wisdom for this transform (aligned arrays), i.e. it
// could plan it at this effort without measuring anything.
bool hasWisdom(int ny, int nx, bool inverse, int threads, Effort effort, bool single);

// Executes the cached plan for these parameters `iterations` times on the
// caller's arrays, with no copying, scaling or checking, and returns the
// median seconds per execution: the raw FFTW figure benchmarks compare
// `transform` against on the very same memory.
template <typename R>
double rawExecute(const std::complex<R>* in, std::complex<R>* out, int ny, int nx, bool inverse, int threads,
                  Effort effort, int iterations);

struct Stats {
  size_t cachedPlans = 0;
  size_t plansCreated = 0;  // since load
  size_t plansSinceWisdomSave = 0;
  bool threadsStarted = false;  // a plan with >1 thread has executed
};
Stats stats();

// Drops every cached plan and all accumulated wisdom (double and single).
void forget();

// Wisdom of both precisions in one text container.
std::string exportWisdom();
// Returns false if the text is not valid wisdom.
bool importWisdom(const std::string& text);
void markWisdomSaved();

std::string version();
bool threadsAvailable();

// Held across fork() by forkrun's atfork handlers (planner state stays
// consistent in the child).
void lockForFork();
void unlockAfterFork();
void resetInChild();

}  // namespace fft
}  // namespace airy
