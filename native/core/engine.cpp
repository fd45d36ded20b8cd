#include "engine.h"

#include "stream_body.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "readout_loss.h"
#include "stream_body.h"
#include "simd/isa.h"
#include "simd/kernels.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace spikegrad {

namespace {

constexpr int kMaxPartitions = 16;
constexpr int kChunkSamples = 64;
// Per-call preparation and reduction over fewer floats than this run on the calling thread: waking the other
// threads for them costs more than the work (a small network's weights are a few thousand floats).
constexpr std::int64_t kParallelFloats = std::int64_t{1} << 16;
// Gradient partitions are full-size copies of the gradients; cap their memory so wide layers use fewer.
constexpr std::int64_t kPartitionBudgetBytes = std::int64_t{512} << 20;
constexpr int kMaxThreads = 1024;

int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace

std::int64_t first_non_finite(const float* x, std::int64_t n) {
  // A float is NaN or infinite exactly when all exponent bits are set; OR-ing a per-element flag vectorizes.
  std::uint32_t any = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    any |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  if (any == 0) return -1;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return i;
  }
  return -1;
}

double monotonic_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int available_threads() {
#ifdef _OPENMP
  return omp_get_num_procs();
#else
  return 1;
#endif
}

Engine::Engine(const NetworkSpec& spec) : spec_(spec) {
  const std::string error = check_spec(spec_);
  if (!error.empty()) throw std::invalid_argument(error);
  decays_ = decays_of(spec_.neuron);
  params_ = parameter_layout(spec_);
  const int depth = static_cast<int>(spec_.layers.size());
  input_index_.assign(depth, -1);
  recurrent_index_.assign(depth, -1);
  events_layout_.offset.assign(params_.size(), -1);
  dense_layout_.offset.assign(params_.size(), -1);
  for (std::size_t p = 0; p < params_.size(); ++p) {
    const ParameterInfo& info = params_[p];
    if (info.kind == ParameterInfo::Kind::Input) input_index_[info.layer] = static_cast<int>(p);
    if (info.kind == ParameterInfo::Kind::Recurrent) recurrent_index_[info.layer] = static_cast<int>(p);
    if (info.kind == ParameterInfo::Kind::Readout) readout_index_ = static_cast<int>(p);
    events_layout_.offset[p] = events_layout_.floats;
    events_layout_.floats += round_to_line(info.size());
    if (!(info.kind == ParameterInfo::Kind::Input && info.layer == 0)) {
      dense_layout_.offset[p] = dense_layout_.floats;
      dense_layout_.floats += round_to_line(info.size());
    }
  }
  ws_.layers.resize(depth);
  ws_.transposed.resize(params_.size());
}

int Engine::partition_count(int batch_size, bool dense_input) const {
  const std::int64_t floats = std::max<std::int64_t>(1, layout_for(dense_input).floats);
  const std::int64_t by_memory = std::max<std::int64_t>(1, kPartitionBudgetBytes / (floats * 4));
  // About kChunkSamples samples per chunk: the backward products are [chunk x size] x [size x size] GEMMs, and a
  // weight loaded from cache feeds one FMA per sample of the chunk.
  const std::int64_t by_chunk = (static_cast<std::int64_t>(batch_size) + kChunkSamples / 2) / kChunkSamples;
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>({by_chunk, kMaxPartitions, by_memory})));
}

std::int64_t Engine::workspace_bytes() const {
  std::int64_t bytes = 0;
  for (const LayerBuffers& l : ws_.layers) {
    bytes += l.pre_reset.capacity() * 4 + l.pre_reset_compact.capacity() * 2 + l.spikes.capacity() + l.counts.capacity() * 4 +
             l.count_grad.capacity() * 4;
  }
  bytes += ws_.forward_weights.capacity() * 4;
  bytes += ws_.step_begin.capacity() * 4 + ws_.logits.capacity() * 4 + ws_.peak_step.capacity() * 4 +
           ws_.dlogits.capacity() * 4 + ws_.partitions.capacity() * 4 + ws_.dense_grad.capacity() * 4 +
           ws_.dense_drive.capacity() * 4 + ws_.packed_input.capacity() * 4 +
           ws_.scratch.capacity() * 4 +
           ws_.int_scratch.capacity() * 4;
  for (const auto& t : ws_.transposed) bytes += t.capacity() * 4;
  return bytes;
}

void Engine::check_call(const InputBatch& batch, const std::vector<const float*>& weights,
                        const RunOptions& options, bool labels_required) const {
  std::string error = check_batch(batch, spec_, labels_required);
  if (!error.empty()) throw std::invalid_argument(error);
  if (options.threads < 1 || options.threads > kMaxThreads) {
    throw std::invalid_argument("threads: expected an integer in [1, " + std::to_string(kMaxThreads) + "], got " +
                                std::to_string(options.threads));
  }
  if (weights.size() != params_.size()) {
    throw std::invalid_argument("parameters: expected " + std::to_string(params_.size()) + " arrays, got " +
                                std::to_string(weights.size()));
  }
  for (std::size_t p = 0; p < params_.size(); ++p) {
    if (weights[p] == nullptr) throw std::invalid_argument("parameters['" + params_[p].name + "']: missing");
    const std::int64_t bad = first_non_finite(weights[p], params_[p].size());
    if (bad >= 0) {
      std::ostringstream msg;
      msg << "parameters['" << params_[p].name << "'][" << bad << "]: expected a finite number, got "
          << weights[p][bad];
      throw std::invalid_argument(msg.str());
    }
  }
  const int depth = static_cast<int>(spec_.layers.size());
  for (std::size_t r = 0; r < options.regularizers.size(); ++r) {
    error = check_regularizer(options.regularizers[r], depth, static_cast<int>(r));
    if (!error.empty()) throw std::invalid_argument(error);
  }
}

int WorkspacePlan::bytes_per_cell() const { return 1 + (state == StateStorage::Batch ? (compact ? 2 : 4) : 0); }

std::int64_t WorkspacePlan::state_bytes(int threads) const {
  std::int64_t chunk = 0;
  for (std::size_t l = 0; l < scratch.chunk_state.size(); ++l) {
    const std::int64_t end = l + 1 < scratch.chunk_state.size() ? scratch.chunk_state[l + 1] : scratch.floats;
    chunk += (end - scratch.chunk_state[l]) * 4;
  }
  return layer_cells * bytes_per_cell() + chunk * threads;
}

std::int64_t WorkspacePlan::bytes(int threads) const {
  return layer_cells * bytes_per_cell() + layer_neurons * 8 + step_begin * 4 + per_output * 12 +
         (scratch_floats + int_scratch) * 4 * threads + partition_floats * 4 + dense_grad * 4 + dense_drive * 4 +
         packed_input * 4 + transposed * 4 + forward_weights * 4;
}

// The forward pass adds the input and recurrent weight rows of every event. Caller-owned arrays may be only
// 16-byte aligned, so each 64-byte vector load of a row would straddle two cache lines; one copy per call into an
// aligned arena costs a single sequential read of the weights. Calls from JavaScript never need it: the addon
// hands the engine a 64-byte aligned staged copy (RunOptions::weights_staged). For C++ callers, above 64 MiB the
// copy would double a large share of memory, and such nets read the caller's arrays. The first layer's weights
// under dense input are packed for a GEMM instead (packed_input).
constexpr std::int64_t kForwardCopyMaxBytes = std::int64_t{64} << 20;

std::int64_t Engine::forward_weight_floats(bool dense_input) const {
  std::int64_t floats = 0;
  for (std::size_t l = 0; l < spec_.layers.size(); ++l) {
    if (!(dense_input && l == 0)) floats += round_to_line(params_[input_index_[l]].size());
    if (recurrent_index_[l] >= 0) floats += round_to_line(params_[recurrent_index_[l]].size());
  }
  return floats * 4 > kForwardCopyMaxBytes ? 0 : floats;
}

WorkspacePlan Engine::plan(int batch_size, int steps, bool backward, bool dense_input, const RunOptions& options,
                           bool record_membrane) const {
  const int PW = pass_functions(options.isa).panel_width;
  const std::int64_t B = batch_size, T = steps, C = spec_.outputs;
  WorkspacePlan p;
  std::vector<int> sizes;
  for (const LayerSpec& l : spec_.layers) {
    p.layer_cells += B * T * l.size;
    p.layer_neurons += B * l.size;
    sizes.push_back(l.size);
  }
  p.step_begin = B * (T + 1);
  p.per_output = B * C;
  const std::int64_t H0 = spec_.layers[0].size;
  p.partitions = partition_count(batch_size, dense_input);
  p.max_chunk = static_cast<int>((B + p.partitions - 1) / p.partitions);
  if (dense_input) {
    p.dense_drive = B * T * H0;
    p.packed_input = packed_panels_size(static_cast<int>(H0), spec_.inputs, PW);
  }
  if (backward) {
    p.partition_floats = static_cast<std::int64_t>(p.partitions) * layout_for(dense_input).floats;
    if (dense_input) p.dense_grad = packed_panels_size(static_cast<int>(H0), static_cast<int>(B * T), PW);
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const ParameterInfo& info = params_[i];
      const bool transposed = info.kind == ParameterInfo::Kind::Readout || (info.kind == ParameterInfo::Kind::Input && info.layer > 0) ||
                              (info.kind == ParameterInfo::Kind::Recurrent && !spec_.layers[info.layer].recurrent_gradient_detached);
      if (transposed) p.transposed += packed_panels_size(info.rows, info.cols, PW);
    }
  }
  if (!backward) {
    p.state = record_membrane ? StateStorage::Batch : StateStorage::None;
  } else {
    std::int64_t chunk_cells = 0;
    for (const int size : sizes) chunk_cells += p.max_chunk * T * size;
    p.state = chunk_cells * 4 <= options.chunk_state_bytes ? StateStorage::Chunk : StateStorage::Batch;
  }
  p.compact = options.compact && p.state == StateStorage::Batch;
  p.scratch = scratch_layout(p.max_chunk, sizes, static_cast<int>(C), backward,
                             p.state == StateStorage::Chunk ? steps : 0);
  p.scratch_floats = p.scratch.floats;
  p.int_scratch = p.scratch.ints;
  p.forward_weights = forward_weight_floats(dense_input);
  return p;
}

PassContext Engine::build_context(const InputBatch& batch, const std::vector<const float*>& weights,
                                  const RunOptions& options, bool backward, bool record_membrane) {
  const int B = batch.size;
  const int T = batch.steps;
  const int C = spec_.outputs;
  const int depth = static_cast<int>(spec_.layers.size());
  const std::int64_t BT = static_cast<std::int64_t>(B) * T;

  PassContext ctx;
  ctx.batch_size = B;
  ctx.steps = T;
  ctx.outputs = C;
  ctx.decays = decays_;
  ctx.surrogate = surrogate_params_of(spec_);
  ctx.reset = spec_.reset;
  ctx.readout = spec_.readout;
  ctx.batch = &batch;
  ctx.ws = &ws_;
  ctx.dense_input = batch.analog();
  ctx.profile = options.profile;
  ctx.grouped_gradient_bytes = options.grouped_gradient_bytes;
  const PartitionLayout& layout = layout_for(ctx.dense_input);
  const WorkspacePlan plan = this->plan(B, T, backward, ctx.dense_input, options, record_membrane);
  ctx.state = plan.state;
  ctx.compact = plan.compact;
  ctx.layers.resize(depth);
  for (int l = 0; l < depth; ++l) {
    const LayerSpec& s = spec_.layers[l];
    LayerView& v = ctx.layers[l];
    v.size = s.size;
    v.fan_in = fan_in_of(spec_, l);
    v.recurrent = s.recurrent;
    v.propagate_recurrent = s.recurrent && !s.recurrent_gradient_detached;
    v.input_weights = weights[input_index_[l]];
    v.input_grad_offset = std::max<std::int64_t>(0, layout.offset[input_index_[l]]);
    if (s.recurrent) {
      v.recurrent_weights = weights[recurrent_index_[l]];
      v.recurrent_grad_offset = layout.offset[recurrent_index_[l]];
    }
    v.buffers = &ws_.layers[l];
    for (const RegularizerSpec& r : options.regularizers) {
      if (r.layer < 0 || r.layer == l) v.has_count_grad = true;
    }
    LayerBuffers& buf = ws_.layers[l];
    if (ctx.state == StateStorage::Batch) {
      if (ctx.compact) ensure_size(buf.pre_reset_compact, static_cast<std::size_t>(BT * s.size));
      else ensure_size(buf.pre_reset, static_cast<std::size_t>(BT * s.size));
    }
    ensure_size(buf.spikes, static_cast<std::size_t>(BT * s.size));
    ensure_size(buf.counts, static_cast<std::size_t>(B) * s.size);
    ensure_size(buf.count_grad, static_cast<std::size_t>(B) * s.size);
  }
  ctx.readout_weights = weights[readout_index_];
  ctx.readout_grad_offset = layout.offset[readout_index_];
  ensure_size(ws_.step_begin, static_cast<std::size_t>(B) * (T + 1));
  ensure_size(ws_.logits, static_cast<std::size_t>(B) * C);
  ensure_size(ws_.peak_step, static_cast<std::size_t>(B) * C);
  ensure_size(ws_.dlogits, static_cast<std::size_t>(B) * C);

  const int P = plan.partitions;
  ctx.chunk_begin.resize(P + 1);
  for (int p = 0; p <= P; ++p) ctx.chunk_begin[p] = static_cast<int>(static_cast<std::int64_t>(p) * B / P);
  ctx.max_chunk = plan.max_chunk;
  ctx.scratch = plan.scratch;
  if (ctx.dense_input) {
    ensure_size(ws_.dense_drive, static_cast<std::size_t>(plan.dense_drive));
    ensure_size(ws_.packed_input, static_cast<std::size_t>(plan.packed_input));
    ctx.dense_drive = ws_.dense_drive.data();
  }
  if (backward) {
    ctx.partition_floats = layout.floats;
    ensure_size(ws_.partitions, static_cast<std::size_t>(plan.partition_floats));
    if (ctx.dense_input) {
      ensure_size(ws_.dense_grad, static_cast<std::size_t>(plan.dense_grad));
      ctx.dense_grad = ws_.dense_grad.data();
    }
  }
  ws_.scratch_floats = plan.scratch_floats;
  ws_.int_scratch_ints = plan.int_scratch;
  ensure_size(ws_.scratch, static_cast<std::size_t>(ws_.scratch_floats * options.threads));
  ensure_size(ws_.int_scratch, static_cast<std::size_t>(ws_.int_scratch_ints * options.threads));
  prepare_inputs(ctx, batch, weights, options.weights_staged ? 0 : plan.forward_weights, options.threads);
  return ctx;
}

void Engine::run_forward(const PassContext& ctx, const RunOptions& options) {
  prepare_dense_drive(ctx, options);
  const PassFunctions& fns = pass_functions(options.isa);
  float* scratch = ws_.scratch.data();
  std::int32_t* int_scratch = ws_.int_scratch.data();
  const std::int64_t sf = ws_.scratch_floats, si = ws_.int_scratch_ints;
  const int P = static_cast<int>(ctx.chunk_begin.size()) - 1;
#pragma omp parallel num_threads(options.threads)
  {
    const int t = thread_index();
#pragma omp for schedule(dynamic, 1)
    for (int p = 0; p < P; ++p) fns.simulate_chunk(ctx, p, scratch + t * sf, int_scratch + t * si);
  }
}

void Engine::prepare_dense_drive(const PassContext& ctx, const RunOptions& options) {
  if (!ctx.dense_input) return;
  // Dense input: W^T x[n] for every sample and step as one [B*T x inputs] x [inputs x H0] product, as a PyTorch
  // SNN does, with W packed in panels first. Row blocks are independent: deterministic for any thread count.
  const PassFunctions& fns = pass_functions(options.isa);
  const int B = ctx.batch_size;
  const int T = ctx.steps;
  const int H0 = spec_.layers[0].size;
  const int K = spec_.inputs;
  const int PW = fns.panel_width;
  const int panels = (H0 + PW - 1) / PW;
  float* packed = ws_.packed_input.data();
  const float* W0 = ctx.layers[0].input_weights;
#pragma omp parallel for num_threads(options.threads) schedule(dynamic, 1)
  for (int q = 0; q < panels; ++q) fns.pack_plain(W0, H0, K, packed, q, q + 1);
  const std::int64_t rows = static_cast<std::int64_t>(B) * T;
  constexpr int kRows = 64;
  const std::int64_t blocks = (rows + kRows - 1) / kRows;
  float* drive = ws_.dense_drive.data();
#pragma omp parallel for num_threads(options.threads) schedule(dynamic, 1)
  for (std::int64_t k = 0; k < blocks; ++k) {
    const std::int64_t r0 = k * kRows;
    const int m = static_cast<int>(std::min<std::int64_t>(kRows, rows - r0));
    std::memset(drive + r0 * H0, 0, sizeof(float) * static_cast<std::size_t>(m) * H0);
    fns.gemm_packed_accumulate(m, H0, K, ctx.batch->values + r0 * K, K, packed, drive + r0 * H0, H0);
  }
}

void Engine::chunk_loss_gradients(const PassContext& ctx, const RunOptions& options, int p) {
  // Every loss term is a mean over samples of a per-sample term, so a chunk's dL/dlogits and dL/dcounts need only
  // the chunk's own forward pass: its backward pass can start while the state it reads is still in cache.
  const int B = ctx.batch_size;
  const int C = ctx.outputs;
  const int b0 = ctx.chunk_begin[p];
  const int M = ctx.chunk_begin[p + 1] - b0;
  // No allocation here: this runs inside a parallel region, where an exception could not reach the caller.
  softmax_cross_entropy(ws_.logits.data() + static_cast<std::int64_t>(b0) * C, ctx.batch->labels + b0, M, C,
                        nullptr, ws_.dlogits.data() + static_cast<std::int64_t>(b0) * C, B);
  for (int l = 0; l < static_cast<int>(ctx.layers.size()); ++l) {
    if (!ctx.layers[l].has_count_grad) continue;
    const int H = ctx.layers[l].size;
    const std::int64_t at = static_cast<std::int64_t>(b0) * H;
    std::fill(ws_.layers[l].count_grad.begin() + at, ws_.layers[l].count_grad.begin() + at + static_cast<std::int64_t>(M) * H, 0.0f);
    for (const RegularizerSpec& reg : options.regularizers) {
      if (reg.layer >= 0 && reg.layer != l) continue;
      apply_regularizer(reg, ws_.layers[l].counts.data() + at, ws_.layers[l].count_grad.data() + at, M, H, B);
    }
  }
}

BatchResult Engine::summarize(const PassContext& ctx, const RunOptions& options) {
  const int B = ctx.batch_size;
  const int C = ctx.outputs;
  BatchResult result;
  result.predictions.resize(B);
  result.logits.assign(ws_.logits.begin(), ws_.logits.begin() + static_cast<std::int64_t>(B) * C);
  const InputBatch& batch = *ctx.batch;
  if (batch.labels != nullptr) {
    // The loss gradients (dL/dlogits, dL/dcounts) come per chunk from chunk_loss_gradients.
    const CrossEntropyResult ce = softmax_cross_entropy(ws_.logits.data(), batch.labels, B, C,
                                                        result.predictions.data(), nullptr);
    result.has_loss = true;
    result.cross_entropy = ce.loss;
    result.correct = ce.correct;
  } else {
    predict(ws_.logits.data(), B, C, result.predictions.data());
  }

  const int depth = static_cast<int>(ctx.layers.size());
  result.regularizer_losses.assign(options.regularizers.size(), 0.0);
  for (std::size_t r = 0; r < options.regularizers.size(); ++r) {
    const RegularizerSpec& reg = options.regularizers[r];
    for (int l = 0; l < depth; ++l) {
      if (reg.layer >= 0 && reg.layer != l) continue;
      result.regularizer_losses[r] += apply_regularizer(reg, ws_.layers[l].counts.data(), nullptr, B, ctx.layers[l].size);
    }
    result.regularization += result.regularizer_losses[r];
  }
  result.loss = result.cross_entropy + result.regularization;

  result.spike_counts.resize(depth);
  for (int l = 0; l < depth; ++l) {
    const int H = ctx.layers[l].size;
    std::vector<float>& total = result.spike_counts[l];
    total.assign(H, 0.0f);
    for (int b = 0; b < B; ++b) {
      const float* c = ws_.layers[l].counts.data() + static_cast<std::int64_t>(b) * H;
      for (int i = 0; i < H; ++i) total[i] += c[i];
    }
  }
  if (result.has_loss && !std::isfinite(result.loss)) {
    std::ostringstream msg;
    msg << "loss is not finite (cross entropy " << result.cross_entropy << ", regularization "
        << result.regularization << "): the readout overflowed; the parameters are probably too large";
    throw NonFiniteError(msg.str());
  }
  return result;
}

void Engine::record_outputs(const PassContext& ctx, const RecordRequest& record, int threads) const {
  const int B = ctx.batch_size;
  const int T = ctx.steps;
  for (std::size_t k = 0; k < record.layers.size(); ++k) {
    const int l = record.layers[k];
    const int H = ctx.layers[l].size;
    const LayerBuffers& buf = ws_.layers[l];
    if (record.spikes.size() > k && record.spikes[k] != nullptr) {
      std::uint8_t* out = record.spikes[k];
      for (int b = 0; b < B; ++b)
        for (int n = 0; n < T; ++n)
          std::memcpy(out + (static_cast<std::int64_t>(b) * T + n) * H, buf.spikes.data() + spikes_row(b, n, T, H), H);
    }
    if (record.membrane.size() > k && record.membrane[k] != nullptr) {
      float* out = record.membrane[k];
#pragma omp parallel for num_threads(threads) schedule(static)
      for (int b = 0; b < B; ++b) {
        std::vector<float> row_values;
        for (int n = 0; n < T; ++n) {
          const std::int64_t base = (static_cast<std::int64_t>(b) * T + n) * H;
          const float* pre = ctx.compact ? nullptr : buf.pre_reset.data() + pre_reset_row(b, n, T, H);
          if (ctx.compact) {
            row_values.resize(H);
            load_bf16_shifted(buf.pre_reset_compact.data() + pre_reset_row(b, n, T, H), H, spec_.neuron.threshold, row_values.data());
            pre = row_values.data();
          }
          const std::uint8_t* prev = n > 0 ? buf.spikes.data() + spikes_row(b, n - 1, T, H) : nullptr;
          for (int i = 0; i < H; ++i) {
            // U[n] = S[n-1] ? 0 : pre_reset[n]
            const bool reset = prev != nullptr && prev[i] != 0;
            out[base + i] = reset ? 0.0f : pre[i];
          }
        }
      }
    }
  }
}

BatchResult Engine::forward(const InputBatch& batch, const std::vector<const float*>& weights,
                            const RunOptions& options, const RecordRequest* record) {
  check_call(batch, weights, options, false);
  if (record != nullptr) {
    for (int l : record->layers) {
      if (l < 0 || l >= static_cast<int>(spec_.layers.size())) {
        throw std::invalid_argument("record.layers: expected hidden layer indices in [0, " +
                                    std::to_string(spec_.layers.size()) + "), got " + std::to_string(l));
      }
    }
  }
  const bool record_membrane = record != nullptr && std::any_of(record->membrane.begin(), record->membrane.end(),
                                                                [](const float* m) { return m != nullptr; });
  PassContext ctx = build_context(batch, weights, options, false, record_membrane);
  ctx.record_readout = record != nullptr ? record->readout : nullptr;
  run_forward(ctx, options);
  BatchResult result = summarize(ctx, options);
  if (record != nullptr) record_outputs(ctx, *record, options.threads);
  return result;
}

void Engine::prepare_inputs(PassContext& ctx, const InputBatch& batch, const std::vector<const float*>& weights,
                            std::int64_t arena_floats, int threads) {
  // Pieces of at most 64K floats, so both threads share the copy of a single large matrix.
  struct Copy {
    const float* from;
    float* to;
    std::int64_t floats;
  };
  std::vector<Copy> copies;
  if (arena_floats > 0) {
    ensure_size(ws_.forward_weights, static_cast<std::size_t>(arena_floats));
    float* at = ws_.forward_weights.data();
    auto add = [&](int p) -> const float* {
      const std::int64_t n = params_[p].size();
      constexpr std::int64_t kPiece = std::int64_t{1} << 16;
      for (std::int64_t i = 0; i < n; i += kPiece) copies.push_back({weights[p] + i, at + i, std::min(kPiece, n - i)});
      const float* copy = at;
      at += round_to_line(n);
      return copy;
    };
    for (int l = 0; l < static_cast<int>(ctx.layers.size()); ++l) {
      if (!(ctx.dense_input && l == 0)) ctx.layers[l].input_weights = add(input_index_[l]);
      if (recurrent_index_[l] >= 0) ctx.layers[l].recurrent_weights = add(recurrent_index_[l]);
    }
  }
  const int count = static_cast<int>(copies.size());
  const int B = batch.size;
  const int T = batch.steps;
  const bool events = !batch.analog();
  std::int64_t work = events ? static_cast<std::int64_t>(B) * (T + 1) + batch.offsets[B] : 0;
  for (const Copy& c : copies) work += c.floats;
#pragma omp parallel num_threads(threads) if (work >= kParallelFloats)
  {
#pragma omp for schedule(static) nowait
    for (int c = 0; c < count; ++c) std::memcpy(copies[c].to, copies[c].from, sizeof(float) * copies[c].floats);
    if (events) {
      // step_begin[b][n]: the first event of sample b at a step >= n, so step n's events are [begin[n],
      // begin[n+1]). Counted per step, then summed: no branch per event (check_batch has checked the times).
#pragma omp for schedule(static)
      for (int b = 0; b < B; ++b) {
        std::int32_t* begin = ws_.step_begin.data() + static_cast<std::int64_t>(b) * (T + 1);
        std::fill(begin, begin + T + 1, 0);
        for (std::int32_t e = batch.offsets[b]; e < batch.offsets[b + 1]; ++e) ++begin[batch.times[e] + 1];
        begin[0] = batch.offsets[b];
        for (int n = 1; n <= T; ++n) begin[n] += begin[n - 1];
      }
    }
  }
}

void Engine::prepare_transposes(PassContext& ctx, const std::vector<const float*>& weights, const RunOptions& options) {
  // The backward products need each weight matrix as B = W^T, packed in panels (see pack_transposed): made once per
  // call, O(parameters), and then streamed by every chunk at every step.
  const PassFunctions& fns = pass_functions(options.isa);
  const int PW = fns.panel_width;
  struct Job {
    int param;
    int panel_begin, panel_end;
  };
  std::vector<Job> jobs;
  std::int64_t floats = 0;
  auto add = [&](int p) {
    const ParameterInfo& info = params_[p];
    floats += info.size();
    ensure_size(ws_.transposed[p], static_cast<std::size_t>(packed_panels_size(info.rows, info.cols, PW)));
    const int panels = (info.rows + PW - 1) / PW;
    for (int q = 0; q < panels; q += 4) jobs.push_back({p, q, std::min(panels, q + 4)});
  };
  const int depth = static_cast<int>(ctx.layers.size());
  for (int l = 1; l < depth; ++l) add(input_index_[l]);
  for (int l = 0; l < depth; ++l) {
    if (ctx.layers[l].propagate_recurrent) add(recurrent_index_[l]);
  }
  add(readout_index_);
  const int count = static_cast<int>(jobs.size());
#pragma omp parallel for num_threads(options.threads) schedule(dynamic, 1) if (floats >= kParallelFloats)
  for (int j = 0; j < count; ++j) {
    const ParameterInfo& info = params_[jobs[j].param];
    fns.pack_transposed(weights[jobs[j].param], info.rows, info.cols, ws_.transposed[jobs[j].param].data(), jobs[j].panel_begin,
                        jobs[j].panel_end);
  }
  for (int l = 1; l < depth; ++l) ctx.layers[l].input_weights_t = ws_.transposed[input_index_[l]].data();
  for (int l = 0; l < depth; ++l) {
    if (ctx.layers[l].propagate_recurrent) ctx.layers[l].recurrent_weights_t = ws_.transposed[recurrent_index_[l]].data();
  }
  ctx.readout_weights_t = ws_.transposed[readout_index_].data();
}

void Engine::reduce_partitions(const PassContext& ctx, const std::vector<float*>& gradients, int threads) const {
  const int P = static_cast<int>(ctx.chunk_begin.size()) - 1;
  constexpr std::int64_t kBlock = 4096;
  struct Job {
    int param;
    std::int64_t begin, end;
  };
  std::vector<Job> jobs;
  const PartitionLayout& layout = layout_for(ctx.dense_input);
  for (std::size_t p = 0; p < params_.size(); ++p) {
    if (layout.offset[p] < 0) continue;
    for (std::int64_t i = 0; i < params_[p].size(); i += kBlock) {
      jobs.push_back({static_cast<int>(p), i, std::min(params_[p].size(), i + kBlock)});
    }
  }
  const int count = static_cast<int>(jobs.size());
  const float* parts = ws_.partitions.data();
  const std::int64_t floats = layout.floats * P;
#pragma omp parallel for num_threads(threads) schedule(static) if (floats >= kParallelFloats)
  for (int j = 0; j < count; ++j) {
    // Each element is the sum over partitions in increasing order, whoever computes it.
    const Job& job = jobs[j];
    float* __restrict out = gradients[job.param];
    const std::int64_t offset = layout.offset[job.param];
    std::memcpy(out + job.begin, parts + offset + job.begin, sizeof(float) * (job.end - job.begin));
    for (int p = 1; p < P; ++p) {
      const float* __restrict part = parts + p * ctx.partition_floats + offset;
      for (std::int64_t i = job.begin; i < job.end; ++i) out[i] += part[i];
    }
  }
}

void Engine::dense_input_gradient(const PassContext& ctx, float* gradient, const RunOptions& options) const {
  // dW0 = X^T G over all samples and steps: X [B*T x fan_in] (the analog input), G [B*T x H0] (dL/dI[n+1],
  // stored in GEMM panels by the backward pass: with rows 4 KB apart, an unpacked G thrashed L1 and L2 and this
  // product ran at 44 % of the FMA peak). Each block of weight rows is computed whole by one thread, summing rows
  // of X in order: deterministic. 48 rows: a multiple of every level's tile height (6, 4, 2).
  const PassFunctions& fns = pass_functions(options.isa);
  const int fan_in = spec_.inputs;
  const int H = spec_.layers[0].size;
  const int rows = ctx.batch_size * ctx.steps;
  constexpr int kRowBlock = 48;
  const int blocks = (fan_in + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for num_threads(options.threads) schedule(dynamic, 1)
  for (int k = 0; k < blocks; ++k) {
    const int i0 = k * kRowBlock;
    const int m = std::min(kRowBlock, fan_in - i0);
    float* out = gradient + static_cast<std::int64_t>(i0) * H;
    std::memset(out, 0, sizeof(float) * static_cast<std::size_t>(m) * H);
    fns.gemm_at_b_accumulate(m, H, rows, ctx.batch->values + i0, fan_in, ctx.dense_grad, out, H);
  }
}

BatchResult Engine::loss_and_gradient(const InputBatch& batch, const std::vector<const float*>& weights,
                                      const std::vector<float*>& gradients, const RunOptions& options) {
  check_call(batch, weights, options, true);
  if (gradients.size() != params_.size()) {
    throw std::invalid_argument("gradients: expected " + std::to_string(params_.size()) + " arrays, got " +
                                std::to_string(gradients.size()));
  }
  for (std::size_t p = 0; p < params_.size(); ++p) {
    if (gradients[p] == nullptr) throw std::invalid_argument("gradients['" + params_[p].name + "']: missing");
  }
  PassContext ctx = build_context(batch, weights, options, true);
  double clock = monotonic_seconds();
  auto lap = [&]() {
    const double now = monotonic_seconds();
    const double elapsed = now - clock;
    clock = now;
    return elapsed;
  };
  prepare_transposes(ctx, weights, options);
  prepare_dense_drive(ctx, options);
  BatchResult result;
  const double prepare_seconds = lap();

  // Each chunk runs forward, then its loss gradients, then backward, on one thread.
  const PassFunctions& fns = pass_functions(options.isa);
  const int P = static_cast<int>(ctx.chunk_begin.size()) - 1;
  float* scratch = ws_.scratch.data();
  std::int32_t* int_scratch = ws_.int_scratch.data();
  const std::int64_t sf = ws_.scratch_floats, si = ws_.int_scratch_ints;
  std::vector<ThreadPhases> phases(static_cast<std::size_t>(options.threads));
#pragma omp parallel num_threads(options.threads)
  {
    const int t = thread_index();
    ThreadPhases* mine = phases.data() + t;
#pragma omp for schedule(dynamic, 1)
    for (int p = 0; p < P; ++p) {
      const double t0 = monotonic_seconds();
      fns.simulate_chunk(ctx, p, scratch + t * sf, int_scratch + t * si);
      chunk_loss_gradients(ctx, options, p);
      const double t1 = monotonic_seconds();
      fns.backward_chunk(ctx, p, scratch + t * sf, int_scratch + t * si, mine);
      mine->forward += t1 - t0;
      mine->backward += monotonic_seconds() - t1;
    }
  }
  lap();
  for (int t = 0; t < options.threads; ++t) {
    result.timings.products += phases[t].products;
    result.timings.weight_gradients += phases[t].weight_gradients;
    result.timings.adjoint_steps += phases[t].adjoint_steps;
    result.timings.forward += phases[t].forward / options.threads;
    result.timings.backward += phases[t].backward / options.threads;
  }
  {
    // Loss, predictions and counts of the whole batch; throws (before any gradient is written) if not finite.
    BatchResult summary = summarize(ctx, options);
    summary.timings = result.timings;
    result = std::move(summary);
  }
  result.timings.transposes = prepare_seconds + lap();
  reduce_partitions(ctx, gradients, options.threads);
  result.timings.reduce = lap();
  if (ctx.dense_input) {
    dense_input_gradient(ctx, gradients[input_index_[0]], options);
    result.timings.dense_gradient = lap();
  }

  for (std::size_t p = 0; p < params_.size(); ++p) {
    const std::int64_t bad = first_non_finite(gradients[p], params_[p].size());
    if (bad >= 0) {
      throw NonFiniteError("gradient of '" + params_[p].name + "' is not finite at index " + std::to_string(bad) +
                               ": the parameters are probably too large");
    }
  }
  return result;
}

void Engine::stream_steps(StreamState& state, const InputBatch& batch, const std::vector<const float*>& weights, IsaLevel isa,
                          const StreamRecord* record) const {
  if (batch.analog()) throw std::invalid_argument("batch.values: streaming takes event input only");
  if (batch.size != state.size) {
    throw std::invalid_argument("batch.size: expected the stream's size " + std::to_string(state.size) + ", got " + std::to_string(batch.size));
  }
  InputBatch unlabelled = batch;
  unlabelled.labels = nullptr;
  const std::string error = check_batch(unlabelled, spec_, false);
  if (!error.empty()) throw std::invalid_argument(error);
  const int depth = static_cast<int>(spec_.layers.size());
  if (weights.size() != params_.size() || static_cast<int>(state.current.size()) != depth || static_cast<int>(state.membrane.size()) != depth) {
    throw std::invalid_argument("stream: weights or state do not match the network");
  }
  if (record != nullptr && (static_cast<int>(record->spikes.size()) != depth || static_cast<int>(record->membrane.size()) != depth)) {
    throw std::invalid_argument("stream record: expected one entry per hidden layer");
  }
  for (std::size_t p = 0; p < params_.size(); ++p) {
    const std::int64_t bad = first_non_finite(weights[p], params_[p].size());
    if (bad >= 0) throw std::invalid_argument("parameters['" + params_[p].name + "'][" + std::to_string(bad) + "]: expected a finite number");
  }
  StreamContext c;
  c.spec = &spec_;
  c.decays = decays_;
  c.input_weights.resize(depth);
  c.recurrent_weights.assign(depth, nullptr);
  for (int l = 0; l < depth; ++l) {
    c.input_weights[l] = weights[input_index_[l]];
    if (recurrent_index_[l] >= 0) c.recurrent_weights[l] = weights[recurrent_index_[l]];
  }
  c.readout_weights = weights[readout_index_];
  c.batch = &unlabelled;
  c.state = &state;
  c.record = record;
  pass_functions(isa).stream_steps(c);
}

}  // namespace spikegrad
