#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "keel/gateway/thread_affinity.hpp"

using namespace keel::gateway;

TEST(ThreadAffinity, PinsToAnExistingCpuOrExplainsWhy) {
  ASSERT_GE(available_cpus(), 1);
  std::thread t([] {
    const PinResult r = pin_current_thread(0);
    if (r.pinned) {
      EXPECT_EQ(r.cpu, 0);
      EXPECT_TRUE(r.warning.empty());
    } else {
      EXPECT_FALSE(r.warning.empty());
    }
  });
  t.join();
}

TEST(ThreadAffinity, NonexistentCpuIsAWarningNotAFailure) {
  std::thread t([] {
    const PinResult r = pin_current_thread(100000);
    EXPECT_FALSE(r.pinned);
    EXPECT_NE(r.warning.find("100000"), std::string::npos);
  });
  t.join();
}

TEST(ThreadAffinity, NumaLocalMemoryIsZeroedAndUsable) {
  constexpr std::size_t kBytes = 1 << 20;
  auto* p = static_cast<unsigned char*>(allocate_numa_local(kBytes, 0));
  ASSERT_NE(p, nullptr);
  for (std::size_t i = 0; i < kBytes; i += 4096) ASSERT_EQ(p[i], 0);
  std::memset(p, 0xAB, kBytes);
  free_numa_local(p, kBytes);
}
