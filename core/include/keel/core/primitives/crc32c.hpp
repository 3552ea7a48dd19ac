// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by the journal. Uses the SSE4.2
// crc32 instruction when the build targets it, a table otherwise; both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace keel {

// Extends `crc` (0 for a fresh checksum) over n bytes. crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) noexcept;
// The table implementation, always available (tests compare it with the hardware path).
std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t n) noexcept;
inline std::uint32_t crc32c(const void* data, std::size_t n) noexcept { return crc32c_extend(0, data, n); }

}  // namespace keel
