// The engine: one network's forward pass, loss and BPTT gradients over a batch. Owns only reusable buffers;
// parameters and gradients are caller-owned arrays in parameter_layout() order.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "batch.h"
#include "isa_dispatch.h"
#include "regularizers.h"
#include "scratch_layout.h"
#include "spec.h"
#include "stream.h"
#include "workspace.h"
#include "workspace.h"

namespace spikegrad {

// The loss or a gradient of a call is not finite (the parameters have grown too large): a training run has
// diverged. Its own type, so callers tell it from bad input without reading the message.
struct NonFiniteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  int threads = 1;
  std::vector<RegularizerSpec> regularizers;
  IsaLevel isa = default_isa_level();
  bool profile = false;  // measure the phases (BatchResult::timings)
  // memory: 'compact': where the pre-reset membrane is kept for the whole batch (StateStorage::Batch), store it
  // as bfloat16 (3 instead of 5 bytes per neuron and step); gradients then differ from the exact ones by the
  // rounding of that value. Chunk state (below) is exact and smaller still, so compact does not apply to it.
  bool compact = false;
  // The weights are 64-byte aligned copies owned by this call (the addon stages every call's inputs): the forward
  // pass reads them in place instead of copying them into the engine's aligned arena.
  bool weights_staged = false;
  // Weight-gradient matrices larger than this many bytes are updated with hidden spikes grouped by neuron
  // (backward_body.h); smaller ones row by row per spike. Both give bit-identical sums: the knob exists for
  // speed tuning and for the test that checks exactly that.
  std::int64_t grouped_gradient_bytes = std::int64_t{512} << 10;
  // loss_and_gradient keeps a chunk's pre-reset rows in a per-thread buffer that every chunk reuses when they
  // take at most this many bytes (StateStorage::Chunk): between the chunk's forward and backward pass they stay
  // in cache. Larger chunks use the batch-wide buffer, written with streaming stores, which do as well once the
  // rows would spill from L2 to L3 anyway (bench/README.md, "Chunk state"). Bit-identical either way.
  std::int64_t chunk_state_bytes = std::int64_t{4} << 20;
};

// Where the time of one call went, in seconds (filled when RunOptions::profile is set). loss_and_gradient runs each chunk forward then backward on one thread, so its forward and
// backward are thread-seconds divided by the thread count (wall seconds when the chunks balance); forward() alone
// reports wall seconds. transposes: the per-call preparation (weight transposes, dense-input drive, loss).
struct PassTimings {
  double forward = 0, transposes = 0, backward = 0, reduce = 0, dense_gradient = 0;
  double products = 0, weight_gradients = 0, adjoint_steps = 0;  // thread-seconds of phases A, B, C
};

// What forward() should copy out. Pointers are caller-owned and sized [B][T][H] (spikes, membrane per recorded
// layer; either may be null) and [B][T][C] for the readout traces Y[1..T].
struct RecordRequest {
  std::vector<int> layers;
  std::vector<std::uint8_t*> spikes;
  std::vector<float*> membrane;
  float* readout = nullptr;
};

// Sizes of every buffer one call needs, computed from the shapes alone: build_context() allocates exactly these,
// and plan() reports them before any allocation (the memory check of the TypeScript API).
struct WorkspacePlan {
  std::int64_t layer_cells = 0;      // sum over layers of B*T*H (spike byte; pre-reset float or bfloat16 if Batch)
  StateStorage state = StateStorage::Batch;  // where the pre-reset rows live (Chunk: in the thread scratch)
  bool compact = false;              // Batch state as bfloat16
  std::int64_t layer_neurons = 0;    // sum over layers of B*H (counts and count gradients, floats)
  std::int64_t step_begin = 0;       // ints
  std::int64_t per_output = 0;       // B*C (logits, peak step, dlogits)
  std::int64_t scratch_floats = 0;   // per thread
  std::int64_t int_scratch = 0;      // per thread
  std::int64_t partition_floats = 0; // all partitions
  std::int64_t dense_grad = 0;       // floats
  std::int64_t dense_drive = 0;      // floats
  std::int64_t packed_input = 0;     // floats
  std::int64_t transposed = 0;       // floats
  std::int64_t forward_weights = 0;  // floats: copies of the weights the forward pass reads by row, or 0
  int partitions = 0;
  int max_chunk = 0;
  ScratchLayout scratch;             // how each thread's scratch is carved
  std::int64_t bytes(int threads) const;
  std::int64_t state_bytes(int threads) const;  // the spikes and pre-reset rows BPTT reads (part of bytes())
  int bytes_per_cell() const;  // per neuron and step in LayerBuffers: the spike byte, and the Batch pre-reset value
};

struct BatchResult {
  bool has_loss = false;           // labels were given
  double loss = 0.0;               // cross entropy + regularization
  double cross_entropy = 0.0;
  double regularization = 0.0;
  std::vector<double> regularizer_losses;  // one per regularizer, summed over the layers it acts on
  int correct = 0;
  std::vector<std::int32_t> predictions;        // [B]
  std::vector<float> logits;                    // [B][C]: the readout reduced over time
  std::vector<std::vector<float>> spike_counts; // per layer [H]: spikes per neuron summed over the batch
  PassTimings timings;
};

class Engine {
 public:
  // Throws std::invalid_argument naming the field when the spec is invalid.
  explicit Engine(const NetworkSpec& spec);

  const NetworkSpec& spec() const { return spec_; }
  const std::vector<ParameterInfo>& parameters() const { return params_; }

  // Throw std::invalid_argument for bad input (message says what and where) and NonFiniteError when the
  // result is not finite. Never read outside the arrays described by `batch` and parameters().
  BatchResult forward(const InputBatch& batch, const std::vector<const float*>& weights, const RunOptions& options,
                      const RecordRequest* record = nullptr);
  BatchResult loss_and_gradient(const InputBatch& batch, const std::vector<const float*>& weights,
                                const std::vector<float*>& gradients, const RunOptions& options);

  // Streaming inference: advances `state` by batch.steps steps with the events of `batch` (times relative to
  // this call; labels ignored), on the calling thread. Records traces if `record` is given. Throws
  // std::invalid_argument for a bad batch or state. Event input only.
  void stream_steps(StreamState& state, const InputBatch& batch, const std::vector<const float*>& weights, IsaLevel isa,
                    const StreamRecord* record) const;

  // Gradient partitions (chunks of the batch) used for a batch of this size. Depends on the batch size, the
  // network and the input kind only, never on the thread count: this is what makes gradients bit-identical
  // across thread counts.
  int partition_count(int batch_size, bool dense_input = false) const;
  // Buffers a call with these shapes and options needs (forward only, or forward and backward; a forward call
  // that records the membrane keeps the whole batch's pre-reset rows).
  WorkspacePlan plan(int batch_size, int steps, bool backward, bool dense_input, const RunOptions& options = {},
                     bool record_membrane = false) const;
  std::int64_t workspace_bytes() const;

 private:
  struct Prepared;
  void check_call(const InputBatch& batch, const std::vector<const float*>& weights, const RunOptions& options,
                  bool labels_required) const;
  PassContext build_context(const InputBatch& batch, const std::vector<const float*>& weights,
                            const RunOptions& options, bool backward, bool record_membrane = false);
  void run_forward(const PassContext& ctx, const RunOptions& options);
  void prepare_dense_drive(const PassContext& ctx, const RunOptions& options);
  void chunk_loss_gradients(const PassContext& ctx, const RunOptions& options, int chunk);
  BatchResult summarize(const PassContext& ctx, const RunOptions& options);
  void record_outputs(const PassContext& ctx, const RecordRequest& record, int threads) const;
  std::int64_t forward_weight_floats(bool dense_input) const;
  void prepare_inputs(PassContext& ctx, const InputBatch& batch, const std::vector<const float*>& weights,
                      std::int64_t arena_floats, int threads);
  void prepare_transposes(PassContext& ctx, const std::vector<const float*>& weights, const RunOptions& options);
  void reduce_partitions(const PassContext& ctx, const std::vector<float*>& gradients, int threads) const;
  void dense_input_gradient(const PassContext& ctx, float* gradient, const RunOptions& options) const;

  NetworkSpec spec_;
  Decays decays_;
  std::vector<ParameterInfo> params_;
  std::vector<int> input_index_;      // parameter index of layer l's input weights
  std::vector<int> recurrent_index_;  // parameter index of layer l's recurrent weights, or -1
  int readout_index_ = 0;
  // Per parameter, its offset inside one gradient partition, or -1 when it is not accumulated per chunk; one
  // layout for event input and one for dense input (whose first-layer weights get a GEMM instead).
  struct PartitionLayout {
    std::vector<std::int64_t> offset;
    std::int64_t floats = 0;
  };
  PartitionLayout events_layout_, dense_layout_;
  const PartitionLayout& layout_for(bool dense_input) const { return dense_input ? dense_layout_ : events_layout_; }
  Workspace ws_;
};

// Index of the first NaN or infinity in x[0..n), or -1.
std::int64_t first_non_finite(const float* x, std::int64_t n);

// Threads available to OpenMP in this process (1 without OpenMP).
int available_threads();

}  // namespace spikegrad
