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

// "a Float32Array of length 3", "'text'", "undefined": what a value is, for error messages.
std::string describe_value(const Napi::Value& v);

Napi::Object expect_object(const Napi::Value& value, const std::string& field);
int expect_int(const Napi::Object& obj, const char* key, const std::string& field, int min, int max);
double expect_number(const Napi::Object& obj, const char* key, const std::string& field);
bool expect_bool(const Napi::Object& obj, const char* key, const std::string& field);
std::string expect_string(const Napi::Object& obj, const char* key, const std::string& field);

NetworkSpec read_spec(const Napi::Value& value);
RunOptions read_run_options(const Napi::Value& value);

}  // namespace spikegrad::addon
