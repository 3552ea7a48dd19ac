#include <gtest/gtest.h>

#include <sched.h>

#include <cstring>
#include <thread>

#include "keel/gateway/thread_affinity.hpp"

using namespace keel::gateway;

// Pinning to a CPU this process may use works (the CI machines and developer VMs allow it).
TEST(ThreadAffinity, PinsToAnAllowedCpu) {
  ASSERT_GE(available_cpus(), 1);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &allowed)) ++cpu;
  std::thread t([cpu] {
    const PinResult r = pin_current_thread(cpu);
    EXPECT_TRUE(r.pinned) << r.warning;
    EXPECT_EQ(r.cpu, cpu);
    EXPECT_TRUE(r.warning.empty());
    EXPECT_EQ(sched_getcpu(), cpu);
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
