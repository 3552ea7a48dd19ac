// keel's random numbers, exactly as ../shared/spec/RNG.md specifies: xoshiro256** 1.0 seeded from
// splitmix64, one independent stream per named consumer (stream seed = run seed XOR fnv1a64(name)),
// uniform doubles as (next() >> 11) * 2^-53. Backtest results depend on every draw: never change the
// generator, the seeding or the order of draws without changing the spec.
#pragma once

#include <cstdint>
#include <string_view>

namespace keel {

inline constexpr std::uint64_t kDefaultRunSeed = 42;

constexpr std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

class SplitMix64 {
 public:
  constexpr explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  constexpr std::uint64_t next() noexcept {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

class Xoshiro256StarStar {
 public:
  // Seeds the state with the first four splitmix64 outputs of `seed`, in order.
  constexpr explicit Xoshiro256StarStar(std::uint64_t seed) noexcept {
    SplitMix64 sm(seed);
    for (auto& word : s_) word = sm.next();
  }
  // Uses the given state as is (test vectors).
  static constexpr Xoshiro256StarStar from_state(std::uint64_t s0, std::uint64_t s1,
                                                 std::uint64_t s2, std::uint64_t s3) noexcept {
    Xoshiro256StarStar g(0);
    g.s_[0] = s0;
    g.s_[1] = s1;
    g.s_[2] = s2;
    g.s_[3] = s3;
    return g;
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), exact: a 53-bit integer times 2^-53.
  constexpr double uniform() noexcept {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
  }

  // An event of probability q happens when uniform() < q (strict), RNG.md.
  constexpr bool bernoulli(double q) noexcept { return uniform() < q; }

  [[nodiscard]] constexpr std::uint64_t state(int i) const noexcept { return s_[i]; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4] = {};
};

// The seed of the named stream of a run.
constexpr std::uint64_t stream_seed(std::uint64_t run_seed, std::string_view name) noexcept {
  return run_seed ^ fnv1a64(name);
}

// One consumer's generator: RngStream("fills", run_seed).
class RngStream : public Xoshiro256StarStar {
 public:
  constexpr RngStream(std::string_view name, std::uint64_t run_seed) noexcept
      : Xoshiro256StarStar(stream_seed(run_seed, name)) {}
};

// A standard normal draw from two uniforms (Box–Muller, cosine branch only, so exactly two draws per
// call — a fixed draw count keeps streams aligned across implementations). Uses std::log/sqrt/cos.
double standard_normal(Xoshiro256StarStar& rng) noexcept;

}  // namespace keel
