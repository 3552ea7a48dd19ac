#include <cuda_runtime.h>

#include "keel/core/signal/cuda_info.hpp"

namespace keel {

CudaInfo query_cuda() noexcept {
  CudaInfo info;
  info.compiled = true;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    info.status = cudaGetErrorString(err);
    return info;
  }
  info.devices = count;
  if (count > 0) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) info.name = prop.name;
    info.status = "ok";
  } else {
    info.status = "no CUDA device";
  }
  return info;
}

}  // namespace keel
