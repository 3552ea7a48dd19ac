#include "keel/gateway/thread_affinity.hpp"

#include <numa.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace keel::gateway {
namespace {
std::atomic<bool> g_warned{false};

void warn_once(const std::string& msg) noexcept {
  if (!g_warned.exchange(true)) std::fprintf(stderr, "keel: warning: %s; running unpinned\n", msg.c_str());
}

bool numa_usable() noexcept { return numa_available() >= 0; }
}  // namespace

int available_cpus() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

PinResult pin_current_thread(int cpu) noexcept {
  PinResult r;
  r.cpu = cpu;
  if (cpu < 0 || cpu >= CPU_SETSIZE) {
    r.warning = "cpu " + std::to_string(cpu) + " does not exist";
    warn_once(r.warning);
    return r;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) {
    r.warning = "cannot pin to cpu " + std::to_string(cpu) + ": " + std::strerror(rc);
    warn_once(r.warning);
    return r;
  }
  r.pinned = true;
  if (numa_usable()) r.numa_node = numa_node_of_cpu(cpu);
  return r;
}

void* allocate_numa_local(std::size_t bytes, int cpu) {
  void* p = nullptr;
  if (numa_usable() && cpu >= 0) {
    const int node = numa_node_of_cpu(cpu);
    if (node >= 0) p = numa_alloc_onnode(bytes, node);
  }
  if (p == nullptr) {
    if (numa_usable()) {
      p = numa_alloc_local(bytes);
    } else {
      const std::size_t rounded = (bytes + 4095) / 4096 * 4096;
      p = std::aligned_alloc(4096, rounded == 0 ? 4096 : rounded);
    }
  }
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);  // pre-fault every page now, not on the hot path
  return p;
}

void free_numa_local(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (numa_usable()) numa_free(p, bytes);
  else std::free(p);
}

}  // namespace keel::gateway
