// Run-time choice of the instruction-set level for the hot passes (see simd/isa.h).
#pragma once

#include <cstdint>
#include <string>

#include "pass_context.h"

namespace spikegrad {

struct StreamContext;  // stream_body.h

enum class IsaLevel : int { Generic = 0, Avx2 = 1, Avx512 = 2 };

struct PassFunctions {
  void (*simulate_chunk)(const PassContext&, int chunk, float* scratch, std::int32_t* int_scratch);
  void (*backward_chunk)(const PassContext&, int chunk, float* scratch, std::int32_t* int_scratch,
                         ThreadPhases* phases);
  // C[M x N] += A[M x K] B[K x N] (row-major), exposed for the kernel tests and the benchmark harness.
  void (*gemm_accumulate)(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
  // C[M x N] += A^T B, A stored [K x M], B packed (pack_plain / store_packed_row).
  void (*gemm_at_b_accumulate)(int M, int N, int K, const float* A, int lda, const float* Bp, float* C, int ldc);
  // Pack the transpose of S [N x K] into panels [panel_begin, panel_end) (see pack_transposed); panel width.
  void (*pack_transposed)(const float* S, int N, int K, float* out, int panel_begin, int panel_end);
  // The same panels from B = S [K x N] itself.
  void (*pack_plain)(const float* S, int N, int K, float* out, int panel_begin, int panel_end);
  int panel_width;
  // C[M x N] += A[M x K] B[K x N], B packed.
  void (*gemm_packed_accumulate)(int M, int N, int K, const float* A, int lda, const float* Bp, float* C, int ldc);
  // acc[p] += sum_k amplitude[k] sin(frequency[k] x[p] + phase[k]) (Randman's manifolds).
  void (*fourier_series_accumulate)(const double* x, int n, const double* amplitude, const double* frequency,
                                    const double* phase, int terms, double* acc);
  double (*sin)(double x);  // the vectorized sine, for its accuracy test
  void (*stream_steps)(const StreamContext& context);  // streaming inference (stream_body.h)
};

// The best level this CPU (and its OS) supports.
IsaLevel best_isa_level();
// The level used by default: the best one, or a lower one named by the environment variable SPIKEGRAD_SIMD
// ("generic", "avx2", "avx512"); a level the CPU lacks is never chosen.
IsaLevel default_isa_level();
// Parses "generic" / "avx2" / "avx512" / "auto"; returns false for anything else.
bool parse_isa_level(const std::string& name, IsaLevel* out);
// Lowers a requested level to what the CPU supports.
IsaLevel clamp_isa_level(IsaLevel requested);
const char* isa_level_name(IsaLevel level);
const PassFunctions& pass_functions(IsaLevel level);

}  // namespace spikegrad
