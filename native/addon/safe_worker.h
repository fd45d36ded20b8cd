// The base of every AsyncWorker here: its completion never throws into the JavaScript environment.
//
// When a worker_threads Worker is terminated while a call runs, Node lets the thread-pool work finish and then
// runs its completion in an environment that can no longer call into JavaScript: resolving the Promise fails,
// node-addon-api turns that failure into a C++ exception, and an exception leaving the completion callback ends
// the whole process (std::terminate). Here the completion runs OnOK/OnError inside a try block, swallows what
// a dying environment throws (nobody is left to receive the result), always runs finish() (which must not
// throw) and deletes the worker.
#pragma once

#include <napi.h>

#include <functional>
#include <string>

namespace spikegrad::addon {

class SafeAsyncWorker : public Napi::AsyncWorker {
 public:
  SafeAsyncWorker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  // Runs engine work on the worker thread; any exception becomes the Promise's rejection (a NonFiniteError with
  // code 'ERR_SPIKEGRAD_NOT_FINITE').
  void guard(const std::function<void()>& work);
  // The result, built on the JavaScript thread; may throw a Napi::Error, which rejects the Promise.
  virtual Napi::Value build_result(Napi::Env env) = 0;
  // Called exactly once when the call is over, after its result was built, whatever happened (no JavaScript may
  // run here).
  virtual void finish() noexcept {}

  void OnWorkComplete(Napi::Env env, napi_status status) override;

  Napi::Promise::Deferred deferred_;

 private:
  void OnOK() override {}
  std::string error_;
  // A machine-readable code for the JavaScript error ('code' property), or empty.
  std::string error_code_;
};

}  // namespace spikegrad::addon
