// Reading JavaScript values into core structs. Every helper throws a Napi::TypeError / RangeError that names
// the field and what is expected; no helper can crash on a value of the wrong type.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../core/batch.h"
#include "../core/engine.h"
#include "../core/spec.h"

namespace spikegrad::addon {

// Keeps the JavaScript arrays a worker reads or writes alive until it finishes.
class Pins {
 public:
  void add(const Napi::Value& value) { refs_.push_back(Napi::Persistent(value.As<Napi::Object>())); }
 private:
  std::vector<Napi::ObjectReference> refs_;
};

Napi::Object expect_object(const Napi::Value& value, const std::string& field);
int expect_int(const Napi::Object& obj, const char* key, const std::string& field, int min, int max);
double expect_number(const Napi::Object& obj, const char* key, const std::string& field);
bool expect_bool(const Napi::Object& obj, const char* key, const std::string& field);
std::string expect_string(const Napi::Object& obj, const char* key, const std::string& field);

NetworkSpec read_spec(const Napi::Value& value);
// The batch's arrays are pinned in `pins`; the returned view points into them.
InputBatch read_batch(const Napi::Value& value, Pins& pins);
RunOptions read_run_options(const Napi::Value& value);
// An array of Float32Arrays matching the parameter layout (same count, each of rows*cols elements).
std::vector<float*> read_tensors(const Napi::Value& value, const std::vector<ParameterInfo>& layout,
                                 const std::string& field, Pins& pins);

}  // namespace spikegrad::addon
