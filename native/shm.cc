// Bindings for shared memory: shmCreate / shmMap / shmRelease (a file every
// worker process maps) and sharedBlock (anonymous memory a forked child
// writes into).
#include "shm.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#include "args.h"
#include "bind.h"

namespace airy {
namespace shm {
namespace {

std::mutex& blocksMutex() {
  static std::mutex m;
  return m;
}
std::set<std::pair<const char*, size_t>>& blocks() {
  static std::set<std::pair<const char*, size_t>> s;
  return s;
}

size_t bytesArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) args::typeError(info.Env(), "`bytes` must be a number");
  const double b = info[i].As<Napi::Number>().DoubleValue();
  if (!(b >= 1 && b <= 1e15) || b != std::floor(b))
    args::rangeError(info.Env(), "`bytes` must be a positive integer");
  return static_cast<size_t>(b);
}

Napi::Error shmError(Napi::Env env, const std::string& message) {
  return args::toJsError(env, {"ERR_AIRY_SHM", message});
}

// shmMap(path, bytes, create, inode?) -> ArrayBuffer over a MAP_SHARED
// mapping of the file (created and sized when `create`; checked to be inode
// `inode` when given); unmapped when garbage-collected.
// Worker processes map the same file: data crosses without copies.
Napi::Value ShmMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) args::typeError(env, "`path` must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const size_t bytes = bytesArg(info, 1);
  const bool create = info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  int fd = open(path.c_str(), create ? (O_RDWR | O_CREAT | O_EXCL) : O_RDWR, 0600);
  if (fd < 0) throw shmError(env, "cannot open shared memory file " + path + ": " + std::strerror(errno));
  if (create && ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    const int e = errno;
    close(fd);
    throw shmError(env, "cannot size shared memory file " + path + ": " + std::strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < bytes) {
    close(fd);
    throw shmError(env,
                   "shared memory file " + path + " is smaller than " + std::to_string(bytes) + " bytes");
  }
  // /proc/<pid>/fd/<n> names whatever file holds fd n now: a task of an
  // earlier call must not map the file that took its number since.
  if (info[3].IsNumber() && static_cast<double>(st.st_ino) != info[3].As<Napi::Number>().DoubleValue()) {
    close(fd);
    throw shmError(env, "shared memory file " + path + " is no longer the one this task was given");
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) throw shmError(env, "cannot map " + path + ": " + std::strerror(errno));
  return Napi::ArrayBuffer::New(
      env, p, bytes,
      [](Napi::Env, void* data, size_t* len) {
        munmap(data, *len);
        delete len;
      },
      new size_t(bytes));
}

// shmCreate(dir, bytes) -> { buffer, path, fd, inode }: a new shared file in `dir`,
// sized and mapped. On Linux it is unlinked at once and kept alive by `fd`;
// workers open it as /proc/<pid>/fd/<fd>, so nothing is left in `dir` when
// this process dies, however it dies. Elsewhere `path` is the file itself
// (fd -1), removed by the caller.
Napi::Value ShmCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) args::typeError(env, "`dir` must be a string");
  const size_t bytes = bytesArg(info, 1);
  std::string path = info[0].As<Napi::String>().Utf8Value() + "/airy-" + std::to_string(getpid()) + "-XXXXXX";
  int fd = mkostemp(&path[0], O_CLOEXEC);
  if (fd < 0)
    throw shmError(env, "cannot create a shared memory file in " + path + ": " + std::strerror(errno));
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    const int e = errno;
    close(fd);
    unlink(path.c_str());
    throw shmError(env, "cannot size shared memory file " + path + ": " + std::strerror(e));
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    const int e = errno;
    close(fd);
    unlink(path.c_str());
    throw shmError(env, "cannot map " + path + ": " + std::strerror(e));
  }
  struct stat st;
  fstat(fd, &st);
#ifdef __linux__
  unlink(path.c_str());
  path = "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(fd);
#else
  close(fd);
  fd = -1;
#endif
  auto o = Napi::Object::New(env);
  o.Set("buffer", Napi::ArrayBuffer::New(
                      env, p, bytes,
                      [](Napi::Env, void* data, size_t* len) {
                        munmap(data, *len);
                        delete len;
                      },
                      new size_t(bytes)));
  o.Set("path", path);
  o.Set("fd", fd);
  o.Set("inode", static_cast<double>(st.st_ino));
  return o;
}

// shmRelease(fd): this process lets go of a file from shmCreate (workers'
// mappings stay valid until they unmap).
Napi::Value ShmRelease(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) args::typeError(info.Env(), "`fd` must be a number");
  const int fd = info[0].As<Napi::Number>().Int32Value();
  if (fd >= 0) close(fd);
  return info.Env().Undefined();
}

// sharedBlock(bytes) -> ArrayBuffer over anonymous MAP_SHARED memory: what a
// forked child writes there, this process sees. Unmapped when collected.
Napi::Value SharedBlock(const Napi::CallbackInfo& info) {
  const size_t bytes = bytesArg(info, 0);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    throw args::toJsError(info.Env(),
                          {"ERR_AIRY_NO_MEMORY", "could not map " + std::to_string(bytes) +
                                                     " bytes of shared memory: " + std::strerror(errno)});
  {
    std::lock_guard<std::mutex> g(blocksMutex());
    blocks().insert({static_cast<const char*>(p), bytes});
  }
  return Napi::ArrayBuffer::New(
      info.Env(), p, bytes,
      [](Napi::Env, void* data, size_t* len) {
        {
          std::lock_guard<std::mutex> g(blocksMutex());
          blocks().erase({static_cast<const char*>(data), *len});
        }
        munmap(data, *len);
        delete len;
      },
      new size_t(bytes));
}

}  // namespace

bool isSharedBlock(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  std::lock_guard<std::mutex> g(blocksMutex());
  for (const auto& b : blocks())
    if (c >= b.first && c + bytes <= b.first + b.second) return true;
  return false;
}

}  // namespace shm

void bindShm(Napi::Env env, Napi::Object exports) {
  exportFn(env, exports, "shmMap", shm::ShmMap);
  exportFn(env, exports, "shmCreate", shm::ShmCreate);
  exportFn(env, exports, "shmRelease", shm::ShmRelease);
  exportFn(env, exports, "sharedBlock", shm::SharedBlock);
}

}  // namespace airy
