#include "promise_worker.h"

#include "args.h"

namespace airy {

PromiseWorker::PromiseWorker(Napi::Env env, const char* name, Work work, Result result,
                             const std::vector<Napi::Value>& keep, Napi::Function onReport)
    : Napi::AsyncProgressQueueWorker<long>(env, name),
      deferred_(Napi::Promise::Deferred::New(env)),
      work_(std::move(work)),
      result_(std::move(result)) {
  for (const auto& v : keep) keep_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  if (!onReport.IsEmpty()) onReport_ = Napi::Persistent(onReport);
}

Napi::Promise PromiseWorker::start(Napi::Env env, const char* name, Work work, Result result,
                                   const std::vector<Napi::Value>& keep, Napi::Function onReport) {
  auto* w = new PromiseWorker(env, name, std::move(work), std::move(result), keep, onReport);
  auto p = w->deferred_.Promise();
  w->Queue();
  return p;
}

void PromiseWorker::Execute(const ExecutionProgress& p) {
  failure_ = catchFailure([&] { work_([&](long v) { p.Send(&v, 1); }); });
}

void PromiseWorker::OnProgress(const long* data, size_t count) {
  if (onReport_.IsEmpty()) return;
  Napi::HandleScope scope(Env());
  for (size_t i = 0; i < count; ++i) {
    try {
      onReport_.Call({Napi::Number::New(Env(), static_cast<double>(data[i]))});
    } catch (const Napi::Error&) {
      // lib/ wraps its callbacks so that they do not throw; a direct caller's
      // exception is dropped rather than left pending.
    }
  }
}

void PromiseWorker::OnOK() {
  Napi::HandleScope scope(Env());
  if (failure_) {
    deferred_.Reject(args::toJsError(Env(), failure_).Value());
    return;
  }
  try {
    deferred_.Resolve(result_(Env()));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& e) { deferred_.Reject(e.Value()); }

}  // namespace airy
