// A minimal test registry: TEST(name) { ... } with CHECK / CHECK_NEAR / CHECK_THROWS. The runner prints one line
// per test and a final "core: N passed, M failed" line that scripts/core-tests.cjs reads.
#pragma once

#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace spikegrad::testing {

struct TestCase {
  std::string name;
  std::function<void()> body;
};

std::vector<TestCase>& registry();

struct Registrar {
  Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace spikegrad::testing

#define SG_CONCAT2(a, b) a##b
#define SG_CONCAT(a, b) SG_CONCAT2(a, b)
#define TEST(name)                                                                                      \
  static void SG_CONCAT(test_, name)();                                                                 \
  static ::spikegrad::testing::Registrar SG_CONCAT(registrar_, name)(#name, SG_CONCAT(test_, name));   \
  static void SG_CONCAT(test_, name)()

#define CHECK(cond)                                                                                        \
  do {                                                                                                     \
    if (!(cond)) {                                                                                         \
      std::ostringstream sg_msg;                                                                           \
      sg_msg << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed";                               \
      throw ::spikegrad::testing::Failure(sg_msg.str());                                                  \
    }                                                                                                      \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                              \
  do {                                                                                                     \
    const double sg_a = (a), sg_b = (b);                                                                   \
    if (!(std::fabs(sg_a - sg_b) <= (tol))) {                                                              \
      std::ostringstream sg_msg;                                                                           \
      sg_msg.precision(10);                                                                                \
      sg_msg << __FILE__ << ":" << __LINE__ << ": " #a " = " << sg_a << " vs " #b " = " << sg_b            \
             << " (tolerance " << (tol) << ")";                                                            \
      throw ::spikegrad::testing::Failure(sg_msg.str());                                                  \
    }                                                                                                      \
  } while (0)

// Runs `expr`, which must throw an exception whose message contains `needle`.
#define CHECK_THROWS(expr, needle)                                                                         \
  do {                                                                                                     \
    bool sg_threw = false;                                                                                 \
    try {                                                                                                  \
      expr;                                                                                                \
    } catch (const std::exception& sg_e) {                                                                 \
      sg_threw = true;                                                                                     \
      if (std::string(sg_e.what()).find(needle) == std::string::npos) {                                    \
        throw ::spikegrad::testing::Failure(std::string(__FILE__) + ":" + std::to_string(__LINE__) +       \
                                            ": message '" + sg_e.what() + "' lacks '" + (needle) + "'");   \
      }                                                                                                    \
    }                                                                                                      \
    if (!sg_threw) {                                                                                       \
      throw ::spikegrad::testing::Failure(std::string(__FILE__) + ":" + std::to_string(__LINE__) +         \
                                          ": expected an exception from " #expr);                          \
    }                                                                                                      \
  } while (0)
