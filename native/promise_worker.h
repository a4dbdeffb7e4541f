// The one Promise worker of the addon: every async native call (kernels,
// FITS, wave batches) runs through it. Work runs on the libuv pool and never
// touches N-API; what it throws comes back as data (code, message,
// wavelength index) and rejects the Promise, otherwise `result` builds the
// resolved value on the JS thread. The JS values whose memory the work uses
// stay referenced until the Promise settles.
#pragma once

#include <napi.h>

#include <functional>
#include <vector>

#include "common.h"

namespace airy {

class PromiseWorker : public Napi::AsyncProgressQueueWorker<long> {
 public:
  // Reports a number to the JS callback (from the worker thread).
  using Report = std::function<void(long)>;
  using Work = std::function<void(const Report&)>;
  using Result = std::function<Napi::Value(Napi::Env)>;

  // Queues `work`; `onReport` (optional) receives every reported number.
  static Napi::Promise start(Napi::Env env, const char* name, Work work, Result result,
                             const std::vector<Napi::Value>& keep,
                             Napi::Function onReport = Napi::Function());

 protected:
  void Execute(const ExecutionProgress& p) override;
  void OnProgress(const long* data, size_t count) override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  PromiseWorker(Napi::Env env, const char* name, Work work, Result result,
                const std::vector<Napi::Value>& keep, Napi::Function onReport);

  Napi::Promise::Deferred deferred_;
  Work work_;
  Result result_;
  std::vector<Napi::ObjectReference> keep_;  // objects only (typed arrays, handles)
  Napi::FunctionReference onReport_;
  Failure failure_;
};

}  // namespace airy
