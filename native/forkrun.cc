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
#include <thread>

#include "common.h"
#include "fft.h"
#include "mft.h"
#include <cstdio>

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

// A child's failure, as it crosses back to the parent.
struct Slot {
  char code[64];
  char message[448];
  long index;
};

void put(Slot& s, const Failure& f) {
  std::snprintf(s.code, sizeof s.code, "%s", f.code.c_str());
  std::snprintf(s.message, sizeof s.message, "%s", f.message.c_str());
  s.index = f.index;
}

}  // namespace

void installAtforkHandlers() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(prepare, release, resetChild); });
}

batch::Result run(prop::System& sys, const std::vector<prop::Wave>& waves,
                  const batch::Options& opts, int workers, double* out,
                  const std::function<void(long)>& progress) {
  installAtforkHandlers();
  const size_t n = waves.size();
  workers = std::max(1, std::min<int>(workers, static_cast<int>(n)));
  // Layout: done flags (n), then one failure slot per child.
  const size_t flagsBytes = ((n * sizeof(int) + 63) / 64) * 64;
  Shared shm(flagsBytes + workers * sizeof(Slot));
  auto* done = static_cast<std::atomic<int>*>(shm.p);
  auto* slots = reinterpret_cast<Slot*>(static_cast<char*>(shm.p) + flagsBytes);
  for (size_t i = 0; i < n; ++i) new (&done[i]) std::atomic<int>(0);

  // Plans made here are inherited by every child (no planning per child).
  if (sys.steps.size() > 2) {
    fft::plan(sys.padded, sys.padded, false, 1, opts.run.effort, false);
    fft::plan(sys.padded, sys.padded, true, 1, opts.run.effort, false);
  }

  std::vector<pid_t> pids;
  std::vector<std::vector<size_t>> assigned(workers);
  for (size_t i = 0; i < n; ++i) assigned[i % workers].push_back(i);
  auto killAll = [&] {
    for (pid_t p : pids) kill(p, SIGKILL);
  };
  for (int wkr = 0; wkr < workers; ++wkr) {
    pid_t pid = fork();
    if (pid < 0) {
      const int e = errno;
      killAll();
      for (pid_t p : pids) waitpid(p, nullptr, 0);
      throw Error("ERR_AIRY_FORK", std::string("fork failed: ") + std::strerror(e));
    }
    if (pid == 0) {
      // Child: native work only, then _exit (no atexit handlers, no V8).
      batch::Options one = opts;
      one.run.fftThreads = 1;
      one.lanes = 1;
      one.capture = false;
      batch::Result r = batch::run(sys, waves, assigned[wkr], out, one, [&](long i) {
        done[i].store(1, std::memory_order_release);
      });
      if (r.failure) put(slots[wkr], r.failure);
      _exit(r.failure ? 3 : 0);
    }
    pids.push_back(pid);
    if (progress) progress(-1 - static_cast<long>(pid));
  }

  // Parent: wait off the event loop, reporting wavelengths as they finish;
  // the first child to fail or die ends the others.
  std::vector<char> reported(n, 0);
  std::vector<char> exited(workers, 0);
  int running = workers;
  int firstBad = -1, badStatus = 0;
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
      if (r != pids[wkr] && !(r < 0 && errno == ECHILD)) continue;
      exited[wkr] = 1;
      --running;
      const bool bad = r < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
      if (bad && firstBad < 0) {
        firstBad = wkr;
        badStatus = r < 0 ? -1 : st;
        killAll();
      }
    }
    if (firstBad < 0) report();
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (firstBad < 0) {
    report();
    return {};
  }
  std::vector<size_t> missing;
  for (size_t i : assigned[firstBad])
    if (!done[i].load()) missing.push_back(i);
  const long index = static_cast<long>(missing.empty() ? assigned[firstBad][0] : missing[0]);
  const std::string who = "fork worker " + std::to_string(pids[firstBad]);
  if (badStatus != -1 && WIFEXITED(badStatus) && slots[firstBad].code[0] != 0) {
    const Slot& s = slots[firstBad];
    throw WaveError(s.code, s.message, s.index);
  }
  std::string why = badStatus == -1 ? "could not be waited for"
                    : WIFSIGNALED(badStatus)
                        ? "was killed by signal " + std::to_string(WTERMSIG(badStatus)) + " (" +
                              strsignal(WTERMSIG(badStatus)) + ")"
                        : "exited with code " + std::to_string(WEXITSTATUS(badStatus));
  throw WaveError("ERR_AIRY_WORKER_DIED", who + " " + why, index);
}

}  // namespace forkrun
}  // namespace airy
