#include <cstdio>
#include <cstring>

#include "test_framework.h"

namespace spikegrad::testing {
std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}
}  // namespace spikegrad::testing

int main(int argc, char** argv) {
  using namespace spikegrad::testing;
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const TestCase& t : registry()) {
    if (filter != nullptr && t.name.find(filter) == std::string::npos) continue;
    try {
      t.body();
      ++passed;
      std::printf("ok   %s\n", t.name.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s\n     %s\n", t.name.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  std::printf("core: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
