#include "forkrun.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#include "common.h"
#include "fft.h"
#include "mft.h"

namespace airy {
namespace forkrun {
namespace {

void prepare() {
  fft::lockForFork();
  mft::lockForFork();
  prop::lockForFork();
}
void release() {
  prop::unlockAfterFork();
  mft::unlockAfterFork();
  fft::unlockAfterFork();
}
// The child owns the only copy of each lock: fresh, unlocked ones.
void resetChild() {
  prop::resetInChild();
  mft::resetInChild();
  fft::resetInChild();
}

// Shared, anonymous memory visible to parent and children.
struct Shared {
  void* p = MAP_FAILED;
  size_t bytes = 0;
  explicit Shared(size_t n) : bytes(n) {
    p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw Error("ERR_AIRY_NO_MEMORY", "could not map " + std::to_string(n) + " bytes of shared memory");
  }
  ~Shared() {
    if (p != MAP_FAILED) munmap(p, bytes);
  }
};

constexpr size_t kErrBytes = 512;

std::string describe(const std::vector<prop::Wave>& waves, const std::vector<size_t>& idx) {
  std::ostringstream s;
  for (size_t k = 0; k < idx.size(); ++k) s << (k ? ", " : "") << waves[idx[k]].wavelength << " m";
  return s.str();
}

}  // namespace

void installAtforkHandlers() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(prepare, release, resetChild); });
}

Result run(prop::System& sys, const std::vector<prop::Wave>& waves, int workers,
           const std::function<void(long)>& progress) {
  installAtforkHandlers();
  const prop::Step& det = sys.steps.back();
  const size_t m = static_cast<size_t>(det.npixY) * det.npixX;
  const size_t n = waves.size();
  workers = std::max(1, std::min<int>(workers, static_cast<int>(n)));
  // Layout: done flags (n), error slots (workers), PSFs (n x m).
  const size_t flagsBytes = ((n * sizeof(int) + 63) / 64) * 64;
  const size_t errBytes = workers * kErrBytes;
  Shared shm(flagsBytes + errBytes + n * m * sizeof(double));
  auto* done = static_cast<std::atomic<int>*>(shm.p);
  char* errs = static_cast<char*>(shm.p) + flagsBytes;
  double* psfs = reinterpret_cast<double*>(static_cast<char*>(shm.p) + flagsBytes + errBytes);
  for (size_t i = 0; i < n; ++i) new (&done[i]) std::atomic<int>(0);

  // Plans made here are inherited by every child (no planning per child).
  for (const auto& w : waves) {
    if (sys.steps.size() > 2) {
      fft::plan(sys.padded, sys.padded, false, 1, w.effort, false);
      fft::plan(sys.padded, sys.padded, true, 1, w.effort, false);
      break;
    }
  }

  std::vector<pid_t> pids;
  std::vector<std::vector<size_t>> assigned(workers);
  for (size_t i = 0; i < n; ++i) assigned[i % workers].push_back(i);
  for (int wkr = 0; wkr < workers; ++wkr) {
    pid_t pid = fork();
    if (pid < 0) {
      for (pid_t p : pids) kill(p, SIGKILL);
      for (pid_t p : pids) waitpid(p, nullptr, 0);
      throw Error("ERR_AIRY_FORK", std::string("fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
      // Child: native work only, then _exit (no atexit handlers, no V8).
      int code = 0;
      try {
        for (size_t i : assigned[wkr]) {
          prop::Wave w = waves[i];
          w.fftThreads = 1;
          w.capture = nullptr;
          prop::propagate(sys, w, psfs + i * m);
          done[i].store(1, std::memory_order_release);
        }
      } catch (const std::exception& e) {
        std::snprintf(errs + wkr * kErrBytes, kErrBytes, "%s", e.what());
        code = 3;
      } catch (...) {
        std::snprintf(errs + wkr * kErrBytes, kErrBytes, "unknown native error");
        code = 3;
      }
      _exit(code);
    }
    pids.push_back(pid);
    if (progress) progress(-1 - static_cast<long>(pid));
  }

  // Parent: wait off the event loop, reporting wavelengths as they finish.
  std::vector<char> reported(n, 0);
  std::vector<int> status(workers, 0);
  std::vector<char> exited(workers, 0);
  int running = workers;
  auto report = [&] {
    for (size_t i = 0; i < n; ++i)
      if (!reported[i] && done[i].load(std::memory_order_acquire)) {
        reported[i] = 1;
        if (progress) progress(static_cast<long>(i));
      }
  };
  while (running > 0) {
    for (int wkr = 0; wkr < workers; ++wkr) {
      if (exited[wkr]) continue;
      int st = 0;
      pid_t r = waitpid(pids[wkr], &st, WNOHANG);
      if (r == pids[wkr] || (r < 0 && errno == ECHILD)) {
        exited[wkr] = 1;
        status[wkr] = r < 0 ? -1 : st;
        --running;
      }
    }
    report();
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  report();

  for (int wkr = 0; wkr < workers; ++wkr) {
    const int st = status[wkr];
    std::vector<size_t> missing;
    for (size_t i : assigned[wkr])
      if (!done[i].load()) missing.push_back(i);
    if (st == -1) throw Error("ERR_AIRY_WORKER_DIED", "fork worker " + std::to_string(pids[wkr]) + " could not be waited for");
    if (WIFSIGNALED(st)) {
      throw Error("ERR_AIRY_WORKER_DIED",
                  "fork worker " + std::to_string(pids[wkr]) + " was killed by signal " +
                      std::to_string(WTERMSIG(st)) + " (" + strsignal(WTERMSIG(st)) +
                      ") while computing wavelength(s) " + describe(waves, missing.empty() ? assigned[wkr] : missing));
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
      std::string msg(errs + wkr * kErrBytes);
      throw Error("ERR_AIRY_WORKER_FAILED", "fork worker " + std::to_string(pids[wkr]) + " failed on wavelength(s) " +
                                                describe(waves, missing.empty() ? assigned[wkr] : missing) + ": " + msg);
    }
  }
  Result res;
  res.psfs.assign(psfs, psfs + n * m);
  return res;
}

}  // namespace forkrun
}  // namespace airy
