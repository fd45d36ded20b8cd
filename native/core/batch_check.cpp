#include <cmath>
#include <sstream>

#include "batch.h"

namespace spikegrad {

namespace {

std::string check_events(const InputBatch& b, const NetworkSpec& spec) {
  std::ostringstream err;
  if (b.offsets == nullptr || b.times == nullptr || b.units == nullptr) {
    return "batch: expected offsets, times and units (Int32Array) for event input, or values for analog input";
  }
  if (b.offsets_length != static_cast<std::int64_t>(b.size) + 1) {
    err << "batch.offsets: expected length size + 1 = " << (static_cast<std::int64_t>(b.size) + 1) << ", got "
        << b.offsets_length;
    return err.str();
  }
  if (b.times_length != b.units_length) {
    err << "batch.times and batch.units: expected equal lengths, got " << b.times_length << " and "
        << b.units_length;
    return err.str();
  }
  // Every offset is checked before any event is read: an offset past the event arrays must never be followed.
  if (b.offsets[0] != 0) {
    err << "batch.offsets[0]: expected 0, got " << b.offsets[0];
    return err.str();
  }
  for (int s = 0; s < b.size; ++s) {
    const std::int32_t begin = b.offsets[s];
    const std::int32_t end = b.offsets[s + 1];
    if (end < begin || static_cast<std::int64_t>(end) > b.times_length) {
      err << "batch.offsets[" << (s + 1) << "]: expected a value in [offsets[" << s << "] = " << begin << ", "
          << b.times_length << " (the number of events)], got " << end << " (sample " << s << ")";
      return err.str();
    }
  }
  if (static_cast<std::int64_t>(b.offsets[b.size]) != b.times_length) {
    err << "batch.offsets[" << b.size << "]: expected the number of events " << b.times_length << ", got "
        << b.offsets[b.size];
    return err.str();
  }
  for (int s = 0; s < b.size; ++s) {
    const std::int32_t begin = b.offsets[s];
    const std::int32_t end = b.offsets[s + 1];
    std::int32_t previous = 0;
    for (std::int32_t e = begin; e < end; ++e) {
      const std::int32_t t = b.times[e];
      const std::int32_t u = b.units[e];
      if (t < 0 || t >= b.steps) {
        err << "batch.times[" << e << "] (sample " << s << "): expected a step in [0, " << b.steps << "), got " << t;
        return err.str();
      }
      if (t < previous) {
        err << "batch.times (sample " << s << "): events must be sorted by time step, but times[" << e << "] = " << t
            << " follows " << previous;
        return err.str();
      }
      previous = t;
      if (u < 0 || u >= spec.inputs) {
        err << "batch.units[" << e << "] (sample " << s << "): expected a unit in [0, " << spec.inputs << "), got "
            << u;
        return err.str();
      }
    }
  }
  return "";
}

std::string check_analog(const InputBatch& b, const NetworkSpec& spec) {
  std::ostringstream err;
  const std::int64_t per_sample = static_cast<std::int64_t>(b.steps) * spec.inputs;
  const std::int64_t expected = per_sample * b.size;
  if (b.values_length != expected) {
    err << "batch.values: expected length size * steps * inputs = " << b.size << " * " << b.steps << " * "
        << spec.inputs << " = " << expected << ", got " << b.values_length;
    return err.str();
  }
  for (std::int64_t i = 0; i < expected; ++i) {
    if (!std::isfinite(b.values[i])) {
      const std::int64_t sample = i / per_sample;
      const std::int64_t step = (i % per_sample) / spec.inputs;
      const std::int64_t unit = i % spec.inputs;
      err << "batch.values[" << i << "] (sample " << sample << ", step " << step << ", unit " << unit
          << "): expected a finite number, got " << b.values[i];
      return err.str();
    }
  }
  return "";
}

}  // namespace

std::string check_batch(const InputBatch& b, const NetworkSpec& spec, bool labels_required) {
  std::ostringstream err;
  if (b.size < 1 || b.size > kMaxBatchSize) {
    err << "batch.size: expected an integer in [1, " << kMaxBatchSize << "], got " << b.size;
    return err.str();
  }
  if (b.steps < 1 || b.steps > kMaxSteps) {
    err << "batch.steps: expected an integer in [1, " << kMaxSteps << "], got " << b.steps;
    return err.str();
  }
  std::string input_error = b.analog() ? check_analog(b, spec) : check_events(b, spec);
  if (!input_error.empty()) return input_error;
  if (b.labels == nullptr) {
    if (labels_required) return "batch.labels: expected an Int32Array of length size with one label per sample";
    return "";
  }
  if (b.labels_length != b.size) {
    err << "batch.labels: expected length size = " << b.size << ", got " << b.labels_length;
    return err.str();
  }
  for (int s = 0; s < b.size; ++s) {
    if (b.labels[s] < 0 || b.labels[s] >= spec.outputs) {
      err << "batch.labels[" << s << "]: expected a class in [0, " << spec.outputs << "), got " << b.labels[s];
      return err.str();
    }
  }
  return "";
}

}  // namespace spikegrad
