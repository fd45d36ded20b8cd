#include "safe_worker.h"

#include "../core/engine.h"

#include <exception>
#include <new>

namespace spikegrad::addon {

void SafeAsyncWorker::guard(const std::function<void()>& work) {
  try {
    work();
  } catch (const NonFiniteError& e) {
    error_ = e.what();
    error_code_ = "ERR_SPIKEGRAD_NOT_FINITE";
  } catch (const std::bad_alloc&) {
    error_ = "out of memory: the batch or the network is too large for this machine";
  } catch (const std::exception& e) {
    error_ = e.what();
  } catch (...) {
    error_ = "unknown error in the spikegrad engine";
  }
}

void SafeAsyncWorker::OnWorkComplete(Napi::Env env, napi_status status) {
  napi_handle_scope scope = nullptr;
  if (status != napi_cancelled && napi_open_handle_scope(env, &scope) == napi_ok) {
    try {
      if (error_.empty()) {
        Napi::Value result = build_result(env);
        deferred_.Resolve(result);
      } else {
        Napi::Error error = Napi::Error::New(env, error_);
        if (!error_code_.empty()) error.Set("code", Napi::String::New(env, error_code_));
        deferred_.Reject(error.Value());
      }
    } catch (const Napi::Error& e) {
      // build_result found a problem (say, an output array detached during the call): reject with it. In a
      // dying environment this throws again and is dropped below.
      try {
        deferred_.Reject(e.Value());
      } catch (...) {
      }
    } catch (...) {
      // The environment is shutting down: nobody waits for this Promise any more.
    }
    napi_close_handle_scope(env, scope);
  }
  // After build_result: it reads buffers that finish() hands back to their owner for the next call. The
  // Promise's reactions run after this function returns, so a next call they make finds the network free.
  finish();
  Destroy();
}

}  // namespace spikegrad::addon
