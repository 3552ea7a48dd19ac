// What the CUDA signal pipeline can use on this machine. Built without CUDA, it reports so; built
// with CUDA on a machine without a GPU or driver, it reports the runtime's error instead of failing.
#pragma once

#include <string>

namespace keel {

struct CudaInfo {
  bool compiled = false;   // keel was built with KEEL_CUDA and nvcc
  int devices = 0;         // usable devices (0 when none or no driver)
  std::string name;        // first device's name
  std::string status;      // "ok", or why there is no device
};

CudaInfo query_cuda() noexcept;

}  // namespace keel
