// Shared types for the airy native engine: errors that cross the N-API
// boundary as data, and aligned RAII buffers for FFTW/BLAS work arrays.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

namespace airy {

// An error raised by native code. `code` is a stable machine-readable string
// (e.g. "ERR_AIRY_FFTW_PLAN"); TS rethrows it as an AiryError with a JS stack.
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// An error while computing one wavelength of a batch: `index` is the
// wavelength's position in the batch.
class WaveError : public Error {
 public:
  WaveError(std::string code, const std::string& message, long index)
      : Error(std::move(code), message), index_(index) {}
  long index() const { return index_; }

 private:
  long index_;
};

// An error as data: what crosses threads, processes and the N-API boundary.
struct Failure {
  std::string code, message;
  long index = -1;  // wavelength index, when the error belongs to one
  explicit operator bool() const { return !code.empty(); }
};

// Runs fn() and returns what it threw as a Failure (empty when it did not).
template <typename F>
Failure catchFailure(F&& fn) {
  try {
    fn();
  } catch (const WaveError& e) {
    return {e.code(), e.what(), e.index()};
  } catch (const Error& e) {
    return {e.code(), e.what()};
  } catch (const std::bad_alloc&) {
    return {"ERR_AIRY_NO_MEMORY", "out of memory"};
  } catch (const std::exception& e) {
    return {"ERR_AIRY_NATIVE", e.what()};
  }
  return {};
}

#define AIRY_ASSERT(cond, msg)                                                                        \
  do {                                                                                                \
    if (!(cond))                                                                                      \
      throw ::airy::Error("ERR_AIRY_INTERNAL",                                                        \
                          std::string(msg) + " (" + __FILE__ + ":" + std::to_string(__LINE__) + ")"); \
  } while (0)

// 64-byte aligned, uninitialised heap buffer of T (cache-line and AVX-512
// friendly; FFTW only needs 16 but BLAS packing benefits from more).
template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t n) : n_(n) {
    if (n == 0) return;
    void* p = nullptr;
    size_t bytes = ((n * sizeof(T) + 63) / 64) * 64;
    if (posix_memalign(&p, 64, bytes) != 0) {
      throw Error("ERR_AIRY_NO_MEMORY", "could not allocate " + std::to_string(bytes) + " bytes");
    }
    p_.reset(static_cast<T*>(p));
  }
  T* data() { return p_.get(); }
  const T* data() const { return p_.get(); }
  size_t size() const { return n_; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> p_;
  size_t n_ = 0;
};

// A buffer of at least n elements owned by the calling thread and kept
// between calls (grown, never shrunk). Each Tag is a separate buffer, so two
// users on one thread never share memory.
template <typename T, typename Tag>
T* threadBuffer(size_t n) {
  thread_local AlignedBuffer<T> buf;
  if (buf.size() < n) buf = AlignedBuffer<T>(n);
  return buf.data();
}

// Multiplies x[0..n) by `scale` and returns whether every result is finite
// (native/vec.cc: one build per x86 vector width, chosen at load time).
bool scaleAndCheck(double* x, size_t n, double scale);
bool scaleAndCheck(float* x, size_t n, float scale);

}  // namespace airy
