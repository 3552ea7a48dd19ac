// Thread start-up helpers: pinning to a CPU and NUMA-local memory (libnuma). Where pinning or NUMA
// is unavailable (a small VM, a container without the capability) they log one warning and the
// thread runs unpinned: never a start-up failure.
#pragma once

#include <cstddef>
#include <string>

namespace keel::gateway {

struct PinResult {
  bool pinned = false;
  int cpu = -1;
  int numa_node = -1;   // -1 when libnuma is unavailable
  std::string warning;  // why pinning did not happen (empty when pinned)
};

// Pins the calling thread to `cpu`. Never throws; on failure returns pinned = false with a reason
// (and prints it once per process to stderr).
PinResult pin_current_thread(int cpu) noexcept;

// Number of CPUs this process may run on.
int available_cpus() noexcept;

// Memory on the NUMA node of `cpu`, pre-faulted (every page touched). Falls back to an aligned
// heap allocation where NUMA is unavailable. Start-up only. Free with free_numa_local().
void* allocate_numa_local(std::size_t bytes, int cpu);
void free_numa_local(void* p, std::size_t bytes) noexcept;

}  // namespace keel::gateway
