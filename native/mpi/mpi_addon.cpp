// The optional MPI addon (spikegrad_mpi.node): process setup and the two collectives data-parallel training needs.
// Built only where an MPI library is found (CMakeLists.txt); nothing else in spikegrad links MPI.
//
// Collectives run on a libuv worker thread (MPI_THREAD_SERIALIZED: the TypeScript communicator issues one at a time,
// and a mutex here enforces it), so the JavaScript thread stays free to run the hang watchdog. As everywhere in the
// addons, a call's input is copied on the JavaScript thread and its output copied back on completion: MPI never
// touches memory JavaScript can change or free while the call runs.
//
// Determinism: MPI_Allreduce may combine partial sums in any order (and differently for different message sizes),
// so repeated runs could differ in the last bits. The sum here fixes the order: the buffer is cut into N blocks,
// an all-to-all hands rank r block r of every rank, rank r adds those N blocks in rank order 0, 1, ..., N-1, and an
// allgather gives every rank every summed block. Each element is thus always r_0 + r_1 + ... + r_{N-1}, the same
// bits on every rank and in every repeat, for the traffic of a ring allreduce (2 (N-1)/N of the buffer per rank).
#include <dlfcn.h>
#include <mpi.h>
#include <napi.h>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace {

std::mutex g_call;  // MPI_THREAD_SERIALIZED: one MPI call at a time, from whichever thread
bool g_initialized = false;

std::string mpi_error(int code, const char* what) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length));
}

// Open MPI loads its transport components (mca_*.so) with dlopen; builds whose components do not link libmpi
// themselves find its symbols only if libmpi was loaded with RTLD_GLOBAL. Node loads an addon, and with it libmpi,
// with RTLD_LOCAL. Reopening the already loaded libmpi with RTLD_GLOBAL | RTLD_NOLOAD promotes it (what mpi4py
// does). Debian's Open MPI 4.1 links its components to libmpi and works either way. Returns the library path.
std::string promote_libmpi() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) == 0 || info.dli_fname == nullptr) return "";
  dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  return info.dli_fname;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(g_call);
  const std::string library = promote_libmpi();
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    int provided = 0;
    const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    if (rc != MPI_SUCCESS) throw Napi::Error::New(env, "MPI_Init_thread failed (code " + std::to_string(rc) + ")");
    if (provided < MPI_THREAD_SERIALIZED) {
      throw Napi::Error::New(env, "this MPI library does not support MPI_THREAD_SERIALIZED (calls from a worker thread)");
    }
  }
  g_initialized = true;
  // Errors come back as codes (and become JavaScript errors) instead of aborting the job from inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  Napi::Object out = Napi::Object::New(env);
  out.Set("rank", rank);
  out.Set("size", size);
  out.Set("library", library);
  out.Set("version", std::string(version, static_cast<std::size_t>(length)));
  return out;
}

// allgather(Float32Array | Float64Array, sum: boolean): every rank's array, concatenated in rank order; with sum,
// their element-wise sum in rank order instead (see the top of this file). The input must have the same length on
// every rank.
class AllgatherWorker : public Napi::AsyncWorker {
 public:
  AllgatherWorker(Napi::Env env, Napi::TypedArray input, bool sum)
      : Napi::AsyncWorker(env, "spikegrad.mpi.allgather"), deferred_(Napi::Promise::Deferred::New(env)), sum_(sum) {
    double_ = input.TypedArrayType() == napi_float64_array;
    element_ = double_ ? sizeof(double) : sizeof(float);
    count_ = input.ElementLength();
    const auto* bytes = static_cast<const std::uint8_t*>(input.ArrayBuffer().Data()) + input.ByteOffset();
    staged_.assign(bytes, bytes + count_ * element_);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::lock_guard<std::mutex> lock(g_call);
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (sum_) {
      if (double_) return ordered_sum<double>(size, MPI_DOUBLE);
      return ordered_sum<float>(size, MPI_FLOAT);
    }
    if (count_ > static_cast<std::size_t>(INT32_MAX)) return SetError("allgather: more than 2^31 elements in one call");
    gathered_.resize(staged_.size() * static_cast<std::size_t>(size));
    const int rc = MPI_Allgather(staged_.data(), static_cast<int>(count_), double_ ? MPI_DOUBLE : MPI_FLOAT, gathered_.data(),
                                 static_cast<int>(count_), double_ ? MPI_DOUBLE : MPI_FLOAT, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) SetError(mpi_error(rc, "MPI_Allgather"));
  }

  void OnOK() override {
    Napi::Env env = Env();
    const std::size_t elements = gathered_.size() / element_;
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, gathered_.size());
    std::memcpy(buffer.Data(), gathered_.data(), gathered_.size());
    if (double_) {
      deferred_.Resolve(Napi::Float64Array::New(env, elements, buffer, 0));
    } else {
      deferred_.Resolve(Napi::Float32Array::New(env, elements, buffer, 0));
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  // All-to-all, then block `rank` of every rank added in rank order, then allgather of the summed blocks.
  template <class T>
  void ordered_sum(int size, MPI_Datatype type) {
    const std::size_t block = (count_ + static_cast<std::size_t>(size) - 1) / static_cast<std::size_t>(size);
    if (block > static_cast<std::size_t>(INT32_MAX)) return SetError("sum: a block of more than 2^31 elements");
    const std::size_t padded = block * static_cast<std::size_t>(size);
    std::vector<T> send(padded, T(0));
    std::memcpy(send.data(), staged_.data(), count_ * sizeof(T));
    std::vector<T> blocks(padded);
    int rc = MPI_Alltoall(send.data(), static_cast<int>(block), type, blocks.data(), static_cast<int>(block), type, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return SetError(mpi_error(rc, "MPI_Alltoall"));
    std::vector<T> mine(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(block));
    for (int r = 1; r < size; ++r) {
      const T* other = blocks.data() + static_cast<std::size_t>(r) * block;
      for (std::size_t i = 0; i < block; ++i) mine[i] += other[i];
    }
    rc = MPI_Allgather(mine.data(), static_cast<int>(block), type, send.data(), static_cast<int>(block), type, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return SetError(mpi_error(rc, "MPI_Allgather"));
    gathered_.resize(count_ * sizeof(T));
    std::memcpy(gathered_.data(), send.data(), count_ * sizeof(T));
  }

  Napi::Promise::Deferred deferred_;
  bool sum_;
  bool double_ = false;
  std::size_t element_ = 4;
  std::size_t count_ = 0;
  std::vector<std::uint8_t> staged_;
  std::vector<std::uint8_t> gathered_;
};

Napi::Value Allgather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!g_initialized) throw Napi::Error::New(env, "allgather: call init() first");
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "allgather: expected a Float32Array or Float64Array");
  Napi::TypedArray input = info[0].As<Napi::TypedArray>();
  if (input.TypedArrayType() != napi_float32_array && input.TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, "allgather: expected a Float32Array or Float64Array");
  }
  if (input.ArrayBuffer().Data() == nullptr && input.ElementLength() > 0) throw Napi::TypeError::New(env, "allgather: the array's buffer is detached");
  auto* worker = new AllgatherWorker(env, input, info.Length() > 1 && info[1].ToBoolean().Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

class BarrierWorker : public Napi::AsyncWorker {
 public:
  explicit BarrierWorker(Napi::Env env) : Napi::AsyncWorker(env, "spikegrad.mpi.barrier"), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::lock_guard<std::mutex> lock(g_call);
    const int rc = MPI_Barrier(MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) SetError(mpi_error(rc, "MPI_Barrier"));
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
};

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  if (!g_initialized) throw Napi::Error::New(info.Env(), "barrier: call init() first");
  auto* worker = new BarrierWorker(info.Env());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// abort(code): ends every rank of the job. Not serialized with the mutex: it is the way out of a collective that
// hangs on the worker thread (a rank died or stopped answering), called by the watchdog.
Napi::Value Abort(const Napi::CallbackInfo& info) {
  const int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  if (g_initialized) MPI_Abort(MPI_COMM_WORLD, code);
  return info.Env().Undefined();
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(g_call);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (g_initialized && !finalized) MPI_Finalize();
  g_initialized = false;
  return info.Env().Undefined();
}

}  // namespace

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("allgather", Napi::Function::New(env, Allgather, "allgather"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  return exports;
}

NODE_API_MODULE(spikegrad_mpi, InitModule)
