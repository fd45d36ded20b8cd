// Copies of everything a native call reads or writes, owned by the call.
//
// JavaScript keeps running while the engine works on a thread-pool thread: it may overwrite a batch's indices,
// or detach (transfer) an ArrayBuffer, which frees its memory. So nothing the engine touches may be JavaScript
// memory. Before the work is queued, on the JavaScript thread, the batch and the parameters are copied into
// buffers the call owns (and checked there, once); outputs (gradients, recorded traces) are written into buffers
// the call owns and copied into the caller's arrays when the call completes, again on the JavaScript thread,
// after checking that each array is still attached and of its length. What JavaScript does to its arrays during
// a call therefore cannot affect the call at all: the result is the one of the arrays as they were when the
// call was made.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../core/aligned_vector.h"
#include "../core/batch.h"
#include "../core/spec.h"

namespace spikegrad::addon {

// A batch copied out of its JavaScript arrays; `view` points into the copies.
struct StagedBatch {
  std::vector<std::int32_t> offsets, times, units, labels;
  AlignedVector<float> values;
  InputBatch view;
};

// One contiguous 64-byte aligned arena holding a list of float tensors, each starting on a cache line.
struct StagedTensors {
  AlignedVector<float> arena;
  std::vector<float*> data;
  std::vector<std::int64_t> sizes;
  std::vector<std::string> names;

  std::vector<const float*> const_data() const { return std::vector<const float*>(data.begin(), data.end()); }
};

// The staged buffers of one engine call. A network keeps the set of its last finished call and hands it to the
// next one (NetworkWrap::take_staging), so a training loop reuses the same memory instead of mapping and faulting
// in fresh pages for the weights, gradients and batch of every call. A call owns its set while it runs.
struct CallStaging {
  StagedBatch batch;
  StagedTensors weights;
  StagedTensors gradients;

  std::int64_t bytes() const;
};

// Reads and copies a batch object ({ size, steps, offsets, times, units | values, labels? }).
void stage_batch(const Napi::Value& value, StagedBatch& out);

// Copies an array of Float32Arrays matching the parameter layout (same count, each of rows*cols elements).
void stage_tensors(const Napi::Value& value, const std::vector<ParameterInfo>& layout, const std::string& field,
                   StagedTensors& out);
// Zeroed tensors shaped like the layout (outputs of a call); reuses `out`'s arena when it has the layout's size.
void allocate_tensors(const std::vector<ParameterInfo>& layout, StagedTensors& out);

// A caller's output array that receives a copy of a staged buffer when the call completes.
class OutputTarget {
 public:
  OutputTarget() = default;
  OutputTarget(const Napi::TypedArray& array, std::string field, std::size_t bytes);
  bool empty() const { return ref_.IsEmpty(); }
  // Copies `bytes` from `from` into the array; throws a Napi::Error naming the field if the array was detached
  // or resized (its buffer transferred) while the call ran.
  void deliver(Napi::Env env, const void* from);

 private:
  Napi::Reference<Napi::TypedArray> ref_;
  std::string field_;
  std::size_t bytes_ = 0;
};

}  // namespace spikegrad::addon
