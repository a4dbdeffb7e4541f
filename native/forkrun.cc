#include "forkrun.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include <cstdio>
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
    if (p == MAP_FAILED)
      throw Error("ERR_AIRY_NO_MEMORY", "could not map " + std::to_string(n) + " bytes of shared memory");
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

namespace {

// The children of one run and what they share with the parent: a done flag
// per wavelength and a failure slot per child.
struct Children {
  const std::vector<prop::Wave>& waves;
  std::vector<std::vector<size_t>> assigned;  // wavelengths of each child
  std::vector<pid_t> pids;
  Shared shm;
  std::atomic<int>* done;
  Slot* slots;

  Children(const std::vector<prop::Wave>& w, int workers)
      : waves(w), assigned(workers), shm(flagsBytes(w.size()) + workers * sizeof(Slot)) {
    done = static_cast<std::atomic<int>*>(shm.p);
    slots = reinterpret_cast<Slot*>(static_cast<char*>(shm.p) + flagsBytes(w.size()));
    for (size_t i = 0; i < w.size(); ++i) new (&done[i]) std::atomic<int>(0);
    for (size_t i = 0; i < w.size(); ++i) assigned[i % workers].push_back(i);
  }
  static size_t flagsBytes(size_t n) { return ((n * sizeof(int) + 63) / 64) * 64; }
  void killAll() const {
    for (pid_t p : pids) kill(p, SIGKILL);
  }
};

// In the child: its share of the batch, then _exit (no atexit handlers, no V8).
// On Linux it dies with the thread that forked it (the caller's libuv worker,
// alive as long as the caller), so a killed caller leaves no child behind.
[[noreturn]] void childMain(prop::System& sys, const batch::Options& opts, Children& c, int wkr, double* out,
                            pid_t parent) {
#ifdef __linux__
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(4);  // the caller died before prctl took effect
#else
  (void)parent;
#endif
  batch::Options one = opts;
  one.run.fftThreads = 1;
  one.lanes = 1;
  one.capture = false;
  batch::Result r = batch::run(sys, c.waves, c.assigned[wkr], out, one,
                               [&](long i) { c.done[i].store(1, std::memory_order_release); });
  if (r.failure) put(c.slots[wkr], r.failure);
  _exit(r.failure ? 3 : 0);
}

// The first child to fail or die, and its wait status (-1: not waitable).
struct Bad {
  int child = -1;
  int status = 0;
};

// Waits for every child off the event loop, reporting wavelengths as they
// finish; the first child to fail or die ends the others.
Bad waitAll(Children& c, const std::function<void(long)>& progress) {
  const size_t n = c.waves.size();
  const int workers = static_cast<int>(c.pids.size());
  std::vector<char> reported(n, 0), exited(workers, 0);
  int running = workers;
  Bad bad;
  auto report = [&] {
    for (size_t i = 0; i < n; ++i)
      if (!reported[i] && c.done[i].load(std::memory_order_acquire)) {
        reported[i] = 1;
        if (progress) progress(static_cast<long>(i));
      }
  };
  while (running > 0) {
    for (int wkr = 0; wkr < workers; ++wkr) {
      if (exited[wkr]) continue;
      int st = 0;
      const pid_t r = waitpid(c.pids[wkr], &st, WNOHANG);
      if (r != c.pids[wkr] && !(r < 0 && errno == ECHILD)) continue;
      exited[wkr] = 1;
      --running;
      if ((r < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) && bad.child < 0) {
        bad = {wkr, r < 0 ? -1 : st};
        c.killAll();
      }
    }
    if (bad.child < 0) report();
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (bad.child < 0) report();
  return bad;
}

// The error a failed child raises: its own, or how it died.
WaveError failureOf(const Children& c, const Bad& bad) {
  const Slot& s = c.slots[bad.child];
  if (bad.status != -1 && WIFEXITED(bad.status) && s.code[0] != 0)
    return WaveError(s.code, s.message, s.index);
  std::vector<size_t> missing;
  for (size_t i : c.assigned[bad.child])
    if (!c.done[i].load()) missing.push_back(i);
  const long index = static_cast<long>(missing.empty() ? c.assigned[bad.child][0] : missing[0]);
  const std::string why = bad.status == -1 ? "could not be waited for"
                          : WIFSIGNALED(bad.status)
                              ? "was killed by signal " + std::to_string(WTERMSIG(bad.status)) + " (" +
                                    strsignal(WTERMSIG(bad.status)) + ")"
                              : "exited with code " + std::to_string(WEXITSTATUS(bad.status));
  return WaveError("ERR_AIRY_WORKER_DIED", "fork worker " + std::to_string(c.pids[bad.child]) + " " + why,
                   index);
}

}  // namespace

batch::Result run(prop::System& sys, const std::vector<prop::Wave>& waves, const batch::Options& opts,
                  int workers, double* out, const std::function<void(long)>& progress) {
  installAtforkHandlers();
  workers = std::max(1, std::min<int>(workers, static_cast<int>(waves.size())));
  Children c(waves, workers);
  // Plans made here are inherited by every child (no planning per child).
  if (sys.steps.size() > 2) {
    fft::plan(sys.padded, sys.padded, false, 1, opts.run.effort, false);
    fft::plan(sys.padded, sys.padded, true, 1, opts.run.effort, false);
  }
  const pid_t self = getpid();
  for (int wkr = 0; wkr < workers; ++wkr) {
    const pid_t pid = fork();
    if (pid < 0) {
      const int e = errno;
      c.killAll();
      for (pid_t p : c.pids) waitpid(p, nullptr, 0);
      throw Error("ERR_AIRY_FORK", std::string("fork failed: ") + std::strerror(e));
    }
    if (pid == 0) childMain(sys, opts, c, wkr, out, self);
    c.pids.push_back(pid);
    if (progress) progress(-1 - static_cast<long>(pid));
  }
  const Bad bad = waitAll(c, progress);
  if (bad.child >= 0) throw failureOf(c, bad);
  return {};
}

}  // namespace forkrun
}  // namespace airy
