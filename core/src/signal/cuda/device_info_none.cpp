#include "keel/core/signal/cuda_info.hpp"

namespace keel {
CudaInfo query_cuda() noexcept { return CudaInfo{false, 0, {}, "built without CUDA (KEEL_CUDA=OFF or no nvcc)"}; }
}  // namespace keel
