// Instantiates the hot pass bodies once per instruction-set level. Each wrapper carries a GCC target attribute;
// the always-inline bodies are compiled inside it with that level's vector width. Nothing here is compiled with
// global -m flags, so no inline function of another translation unit can pick up AVX-512 by accident.
#include "isa_dispatch.h"

#include <cstdlib>

#include "backward_body.h"
#include "forward_body.h"
#include "stream_body.h"
#include "simd/sin.h"

// GCC only: clang (used for the libFuzzer build, scripts/fuzz.cjs) knows neither these level names in
// __builtin_cpu_supports nor prefer-vector-width, so a clang build runs the baseline level alone.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SG_HAVE_X86_LEVELS 1
#define SG_TARGET_AVX512 __attribute__((target("arch=x86-64-v4,prefer-vector-width=512")))
#define SG_TARGET_AVX2 __attribute__((target("arch=x86-64-v3")))
#else
#define SG_HAVE_X86_LEVELS 0
#endif

namespace spikegrad {
namespace {

#define SG_DEFINE_LEVEL(TARGET, ISA, SUFFIX)                                                                \
  TARGET void simulate_chunk_##SUFFIX(const PassContext& c, int p, float* s, std::int32_t* i) {              \
    simulate_chunk<ISA>(c, p, s, i);                                                                         \
  }                                                                                                          \
  TARGET void backward_chunk_##SUFFIX(const PassContext& c, int p, float* s, std::int32_t* i, ThreadPhases* t) {   \
    backward_chunk<ISA>(c, p, s, i, t);                                                                      \
  }                                                                                                          \
  TARGET void gemm_##SUFFIX(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, \
                            int ldc) {                                                                       \
    gemm_accumulate<ISA>(M, N, K, A, lda, B, ldb, C, ldc);                                                   \
  }                                                                                                          \
  TARGET void gemm_at_b_##SUFFIX(int M, int N, int K, const float* A, int lda, const float* Bp, float* C,     \
                                 int ldc) {                                                                  \
    gemm_packed_accumulate<ISA, true>(M, N, K, A, lda, Bp, C, ldc);                                          \
  }                                                                                                          \
  TARGET void fourier_##SUFFIX(const double* x, int n, const double* a, const double* w, const double* ph,       \
                               int terms, double* acc) {                                                     \
    fourier_series_accumulate(x, n, a, w, ph, terms, acc);                                                   \
  }                                                                                                          \
  TARGET double sin_##SUFFIX(double x) { return sin_approx(x); }                                             \
  TARGET void stream_##SUFFIX(const StreamContext& c) { stream_steps<ISA>(c); }                              \
  TARGET void pack_##SUFFIX(const float* S, int N, int K, float* out, int p0, int p1) {                       \
    pack_transposed<ISA>(S, N, K, out, p0, p1);                                                              \
  }                                                                                                          \
  TARGET void pack_plain_##SUFFIX(const float* S, int N, int K, float* out, int p0, int p1) {                 \
    pack_plain<ISA>(S, N, K, out, p0, p1);                                                                   \
  }                                                                                                          \
  TARGET void gemm_packed_##SUFFIX(int M, int N, int K, const float* A, int lda, const float* Bp, float* C,   \
                                   int ldc) {                                                                \
    gemm_packed_accumulate<ISA>(M, N, K, A, lda, Bp, C, ldc);                                                \
  }                                                                                                          \
  const PassFunctions kFunctions_##SUFFIX = {simulate_chunk_##SUFFIX, backward_chunk_##SUFFIX, gemm_##SUFFIX,    \
                                             gemm_at_b_##SUFFIX, pack_##SUFFIX, pack_plain_##SUFFIX, ISA::PW,    \
                                             gemm_packed_##SUFFIX,                                               \
                                             fourier_##SUFFIX, sin_##SUFFIX, stream_##SUFFIX};

SG_DEFINE_LEVEL(, IsaGeneric, generic)
#if SG_HAVE_X86_LEVELS
SG_DEFINE_LEVEL(SG_TARGET_AVX2, IsaAvx2, avx2)
SG_DEFINE_LEVEL(SG_TARGET_AVX512, IsaAvx512, avx512)
#endif

}  // namespace

IsaLevel best_isa_level() {
#if SG_HAVE_X86_LEVELS
  __builtin_cpu_init();
  // The level names test the whole feature set (and OS support for the wider registers).
  if (__builtin_cpu_supports("x86-64-v4")) return IsaLevel::Avx512;
  if (__builtin_cpu_supports("x86-64-v3")) return IsaLevel::Avx2;
#endif
  return IsaLevel::Generic;
}

bool parse_isa_level(const std::string& name, IsaLevel* out) {
  if (name == "auto") {
    *out = best_isa_level();
  } else if (name == "generic") {
    *out = IsaLevel::Generic;
  } else if (name == "avx2") {
    *out = IsaLevel::Avx2;
  } else if (name == "avx512") {
    *out = IsaLevel::Avx512;
  } else {
    return false;
  }
  return true;
}

IsaLevel clamp_isa_level(IsaLevel requested) {
  const IsaLevel best = best_isa_level();
  return static_cast<int>(requested) > static_cast<int>(best) ? best : requested;
}

IsaLevel default_isa_level() {
  static const IsaLevel level = [] {
    const char* env = std::getenv("SPIKEGRAD_SIMD");
    IsaLevel requested;
    if (env != nullptr && parse_isa_level(env, &requested)) return clamp_isa_level(requested);
    return best_isa_level();
  }();
  return level;
}

const char* isa_level_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::Avx512: return "avx512";
    case IsaLevel::Avx2: return "avx2";
    case IsaLevel::Generic: return "generic";
  }
  return "generic";
}

const PassFunctions& pass_functions(IsaLevel level) {
#if SG_HAVE_X86_LEVELS
  switch (clamp_isa_level(level)) {
    case IsaLevel::Avx512: return kFunctions_avx512;
    case IsaLevel::Avx2: return kFunctions_avx2;
    case IsaLevel::Generic: return kFunctions_generic;
  }
#else
  (void)level;
#endif
  return kFunctions_generic;
}

}  // namespace spikegrad
