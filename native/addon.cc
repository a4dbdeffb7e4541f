// The airy addon: its exports, gathered from one binding file per concern.
#include <napi.h>

#include "bind.h"
#include "blas.h"

namespace airy {

void exportFn(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback cb) {
  exports.Set(name, Napi::Function::New(env, cb, name));
}

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Whether the BLAS thread pool started when the library was loaded is read
  // now, before any call can change the thread count.
  (void)blas::threadsStarted();
  bindKernels(env, exports);
  bindInfo(env, exports);
  bindSystem(env, exports);
  bindFits(env, exports);
  bindShm(env, exports);
  bindAnalysis(env, exports);
  bindFresnel(env, exports);
  return exports;
}

}  // namespace
}  // namespace airy

static Napi::Object InitAiry(Napi::Env env, Napi::Object exports) { return airy::Init(env, exports); }

NODE_API_MODULE(airy_native, InitAiry)
