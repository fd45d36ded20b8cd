#include "staged_call.h"

#include <cstring>

#include "../core/workspace.h"
#include "js_args.h"

namespace spikegrad::addon {

namespace {

Napi::TypedArray expect_typed(const Napi::Value& v, napi_typedarray_type type, const char* type_name,
                              const std::string& field) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(v.Env(), field + ": expected " + type_name + ", got " + describe_value(v));
  }
  return v.As<Napi::TypedArray>();
}

template <class T, class Vector>
void copy_into(const Napi::TypedArray& array, Vector& out) {
  const std::size_t n = array.ElementLength();
  out.resize(n);
  if (n > 0) {
    const auto* from = reinterpret_cast<const std::uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    std::memcpy(out.data(), from, n * sizeof(T));
  }
}

}  // namespace

void stage_batch(const Napi::Value& value, StagedBatch& out) {
  const Napi::Object o = expect_object(value, "batch");
  // A reused StagedBatch still points at the previous call's arrays: labels or values that this batch lacks
  // must not be read from it.
  out.view = InputBatch{};
  InputBatch& b = out.view;
  b.size = expect_int(o, "size", "batch.size", 1, kMaxBatchSize);
  b.steps = expect_int(o, "steps", "batch.steps", 1, kMaxSteps);
  const Napi::Value values = o.Get("values");
  if (!values.IsUndefined()) {
    copy_into<float>(expect_typed(values, napi_float32_array, "a Float32Array", "batch.values"), out.values);
    b.values_length = static_cast<std::int64_t>(out.values.size());
    // analog() is true whenever values were given, even an empty array, so the length check reports it.
    if (out.values.empty()) out.values.reserve(1);
    b.values = out.values.data();
  } else {
    copy_into<std::int32_t>(expect_typed(o.Get("offsets"), napi_int32_array, "an Int32Array", "batch.offsets"), out.offsets);
    copy_into<std::int32_t>(expect_typed(o.Get("times"), napi_int32_array, "an Int32Array", "batch.times"), out.times);
    copy_into<std::int32_t>(expect_typed(o.Get("units"), napi_int32_array, "an Int32Array", "batch.units"), out.units);
    // Non-null pointers even for empty arrays (the checks compare lengths, never read past them).
    for (auto* v : {&out.offsets, &out.times, &out.units}) v->reserve(1);
    b.offsets = out.offsets.data();
    b.offsets_length = static_cast<std::int64_t>(out.offsets.size());
    b.times = out.times.data();
    b.times_length = static_cast<std::int64_t>(out.times.size());
    b.units = out.units.data();
    b.units_length = static_cast<std::int64_t>(out.units.size());
  }
  const Napi::Value labels = o.Get("labels");
  if (!labels.IsUndefined() && !labels.IsNull()) {
    copy_into<std::int32_t>(expect_typed(labels, napi_int32_array, "an Int32Array", "batch.labels"), out.labels);
    out.labels.reserve(1);
    b.labels = out.labels.data();
    b.labels_length = static_cast<std::int64_t>(out.labels.size());
  }
}

std::int64_t CallStaging::bytes() const {
  return static_cast<std::int64_t>(4 * (batch.offsets.capacity() + batch.times.capacity() + batch.units.capacity() +
                                        batch.labels.capacity() + batch.values.capacity() + weights.arena.capacity() +
                                        gradients.arena.capacity()));
}

void allocate_tensors(const std::vector<ParameterInfo>& layout, StagedTensors& out) {
  std::int64_t total = 0;
  for (const ParameterInfo& p : layout) total += round_to_line(p.size());
  out.arena.assign(static_cast<std::size_t>(total), 0.0f);  // within the capacity: no new memory
  out.data.clear();
  out.sizes.clear();
  out.names.clear();
  float* at = out.arena.data();
  for (const ParameterInfo& p : layout) {
    out.data.push_back(at);
    out.sizes.push_back(p.size());
    out.names.push_back(p.name);
    at += round_to_line(p.size());
  }
}

void stage_tensors(const Napi::Value& value, const std::vector<ParameterInfo>& layout, const std::string& field,
                   StagedTensors& out) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), field + ": expected an array of Float32Arrays, got " + describe_value(value));
  const Napi::Array arr = value.As<Napi::Array>();
  if (arr.Length() != layout.size()) {
    throw Napi::RangeError::New(value.Env(), field + ": expected " + std::to_string(layout.size()) +
                                                 " Float32Arrays (one per parameter), got " + std::to_string(arr.Length()));
  }
  std::vector<Napi::TypedArray> arrays;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const std::string f = field + "['" + layout[i].name + "']";
    Napi::TypedArray t = expect_typed(arr.Get(i), napi_float32_array, "a Float32Array", f);
    if (static_cast<std::int64_t>(t.ElementLength()) != layout[i].size()) {
      throw Napi::RangeError::New(value.Env(), f + ": expected length " + std::to_string(layout[i].rows) + " * " +
                                                   std::to_string(layout[i].cols) + " = " +
                                                   std::to_string(layout[i].size()) + ", got " +
                                                   std::to_string(t.ElementLength()));
    }
    arrays.push_back(t);
  }
  // Reading an array's getter above can run JavaScript (a Proxy), so lengths are read again while copying.
  allocate_tensors(layout, out);
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const Napi::TypedArray& t = arrays[i];
    if (static_cast<std::int64_t>(t.ElementLength()) != layout[i].size()) {
      throw Napi::RangeError::New(value.Env(), field + "['" + layout[i].name + "']: changed length while being read");
    }
    const auto* from = reinterpret_cast<const std::uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    std::memcpy(out.data[i], from, sizeof(float) * static_cast<std::size_t>(layout[i].size()));
  }
}

OutputTarget::OutputTarget(const Napi::TypedArray& array, std::string field, std::size_t bytes)
    : ref_(Napi::Persistent(array)), field_(std::move(field)), bytes_(bytes) {}

void OutputTarget::deliver(Napi::Env env, const void* from) {
  if (ref_.IsEmpty()) return;
  Napi::TypedArray array = ref_.Value();
  if (array.ByteLength() != bytes_) {
    throw Napi::Error::New(env, field_ + ": the array was detached or resized while the call ran (expected " +
                                    std::to_string(bytes_) + " bytes, it now has " + std::to_string(array.ByteLength()) +
                                    "); its result is lost");
  }
  if (bytes_ == 0) return;
  auto* to = reinterpret_cast<std::uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  std::memcpy(to, from, bytes_);
}

}  // namespace spikegrad::addon
