// The optional HDF5 addon (spikegrad_hdf5.node): writes a data set split in the Spiking Heidelberg Datasets' layout,
// which h5py-based tools (and spikegrad's own SHD reader) read. Built only where libhdf5 is found (CMakeLists.txt);
// loaded only by `spikegrad data ... --export-h5`. h5wasm, which spikegrad reads HDF5 with, cannot write
// variable-length numeric arrays, which the SHD layout is made of; hence this small writer on the HDF5 C library.
//
// Layout (as the official files): /spikes/times (per sample a variable-length float32 array, seconds),
// /spikes/units (variable-length uint16), /labels (uint16), /extra/keys (class names, variable-length UTF-8),
// /extra/speaker (uint16). Analog input (log-mel) has no spikes: /inputs [samples][steps][channels] float32 instead,
// with the same /labels and /extra.
//
// The call is synchronous: the JavaScript thread is blocked while HDF5 reads the typed arrays, so nothing can change
// or free them under it. The caller writes to a temporary name and renames (an interrupted export leaves no file).
#include <hdf5.h>
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

// The innermost message of the HDF5 error stack (the automatic printing to stderr is switched off).
herr_t keep_message(unsigned, const H5E_error2_t* e, void* out) {
  if (e->desc != nullptr && e->desc[0] != '\0') *static_cast<std::string*>(out) = e->desc;
  return 0;
}

std::string hdf5_message() {
  std::string message = "unknown HDF5 error";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_message, &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

// One HDF5 identifier, closed with its own function when the scope ends.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

struct Failure {
  std::string what;
};

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw Failure{what + ": " + hdf5_message()};
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw Failure{what + ": " + hdf5_message()};
}

Napi::Float32Array float32_of(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(o.Env(), std::string(key) + ": expected a Float32Array");
  }
  return v.As<Napi::Float32Array>();
}

Napi::Uint16Array uint16_of(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array) {
    throw Napi::TypeError::New(o.Env(), std::string(key) + ": expected a Uint16Array");
  }
  return v.As<Napi::Uint16Array>();
}

Napi::Float64Array float64_of(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(o.Env(), std::string(key) + ": expected a Float64Array");
  }
  return v.As<Napi::Float64Array>();
}

void write_plain(hid_t parent, const char* name, hid_t file_type, hid_t memory_type, const std::vector<hsize_t>& dims, const void* data) {
  Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), std::string(name) + ": dataspace"), H5Sclose);
  Handle set(check(H5Dcreate2(parent, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), std::string(name) + ": create"), H5Dclose);
  if (dims.empty() || dims[0] > 0) check_status(H5Dwrite(set.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), std::string(name) + ": write");
}

// Per sample i, the elements [offsets[i], offsets[i+1]) of `values` as one variable-length array.
template <class T>
void write_ragged(hid_t parent, const char* name, hid_t base_file_type, hid_t base_memory_type, const double* offsets, std::size_t samples,
                  const T* values) {
  std::vector<hvl_t> rows(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    rows[i].len = static_cast<std::size_t>(offsets[i + 1] - offsets[i]);
    rows[i].p = const_cast<T*>(values + static_cast<std::size_t>(offsets[i]));
  }
  Handle file_type(check(H5Tvlen_create(base_file_type), std::string(name) + ": type"), H5Tclose);
  Handle memory_type(check(H5Tvlen_create(base_memory_type), std::string(name) + ": type"), H5Tclose);
  write_plain(parent, name, file_type.get(), memory_type.get(), {static_cast<hsize_t>(samples)}, rows.data());
}

void write_strings(hid_t parent, const char* name, const std::vector<std::string>& strings) {
  std::vector<const char*> pointers;
  for (const std::string& s : strings) pointers.push_back(s.c_str());
  Handle type(check(H5Tcopy(H5T_C_S1), std::string(name) + ": type"), H5Tclose);
  check_status(H5Tset_size(type.get(), H5T_VARIABLE), std::string(name) + ": type");
  check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), std::string(name) + ": type");
  write_plain(parent, name, type.get(), type.get(), {static_cast<hsize_t>(pointers.size())}, pointers.data());
}

// writeSplit(path, { labels: Uint16Array, speakers: Uint16Array | null, keys: string[], and either
//   offsets: Float64Array [n+1], times: Float32Array (s), units: Uint16Array   (spikes)
//   or inputs: Float32Array [n * steps * channels], steps, channels              (analog) })
Napi::Value WriteSplit(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) throw Napi::TypeError::New(env, "writeSplit(path, split)");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const Napi::Object o = info[1].As<Napi::Object>();
  const Napi::Uint16Array labels = uint16_of(o, "labels");
  const std::size_t n = labels.ElementLength();
  Napi::Uint16Array speakers;
  const bool has_speakers = !o.Get("speakers").IsNull() && !o.Get("speakers").IsUndefined();
  if (has_speakers) {
    speakers = uint16_of(o, "speakers");
    if (speakers.ElementLength() != n) throw Napi::RangeError::New(env, "speakers: expected one per sample");
  }
  const Napi::Value keys_value = o.Get("keys");
  if (!keys_value.IsArray()) throw Napi::TypeError::New(env, "keys: expected an array of class names");
  const Napi::Array keys_array = keys_value.As<Napi::Array>();
  std::vector<std::string> keys;
  for (std::uint32_t i = 0; i < keys_array.Length(); ++i) keys.push_back(keys_array.Get(i).ToString().Utf8Value());

  const bool analog = o.Has("inputs");
  Napi::Float64Array offsets;
  Napi::Float32Array times, inputs;
  Napi::Uint16Array units;
  std::uint32_t steps = 0, channels = 0;
  if (analog) {
    inputs = float32_of(o, "inputs");
    steps = o.Get("steps").ToNumber().Uint32Value();
    channels = o.Get("channels").ToNumber().Uint32Value();
    if (static_cast<std::uint64_t>(n) * steps * channels != inputs.ElementLength()) throw Napi::RangeError::New(env, "inputs: expected samples x steps x channels values");
  } else {
    offsets = float64_of(o, "offsets");
    times = float32_of(o, "times");
    units = uint16_of(o, "units");
    if (offsets.ElementLength() != n + 1) throw Napi::RangeError::New(env, "offsets: expected samples + 1 entries");
    if (times.ElementLength() != units.ElementLength()) throw Napi::RangeError::New(env, "times and units: expected the same length");
    double previous = 0;
    for (std::size_t i = 0; i <= n; ++i) {
      const double at = offsets[i];
      if (!(at >= previous) || at != static_cast<double>(static_cast<std::uint64_t>(at)) || at > static_cast<double>(times.ElementLength()) ||
          (i == 0 && at != 0) || (i == n && at != static_cast<double>(times.ElementLength()))) {
        throw Napi::RangeError::New(env, "offsets: expected integers rising from 0 to the number of events");
      }
      previous = at;
    }
  }

  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  try {
    Handle file(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path), H5Fclose);
    if (analog) {
      write_plain(file.get(), "inputs", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {n, steps, channels}, inputs.Data());
    } else {
      Handle spikes(check(H5Gcreate2(file.get(), "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "spikes"), H5Gclose);
      write_ragged(spikes.get(), "times", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, offsets.Data(), n, times.Data());
      write_ragged(spikes.get(), "units", H5T_STD_U16LE, H5T_NATIVE_UINT16, offsets.Data(), n, units.Data());
    }
    write_plain(file.get(), "labels", H5T_STD_U16LE, H5T_NATIVE_UINT16, {n}, labels.Data());
    Handle extra(check(H5Gcreate2(file.get(), "extra", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "extra"), H5Gclose);
    write_strings(extra.get(), "keys", keys);
    if (has_speakers) write_plain(extra.get(), "speaker", H5T_STD_U16LE, H5T_NATIVE_UINT16, {n}, speakers.Data());
    check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), path + ": flush");
  } catch (const Failure& f) {
    throw Napi::Error::New(env, "HDF5 export to " + path + " failed at " + f.what);
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("writeSplit", Napi::Function::New(env, WriteSplit));
  return exports;
}

}  // namespace

NODE_API_MODULE(spikegrad_hdf5, Init)
