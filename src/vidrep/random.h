// vidrep's one random source: splitmix64, tiny and identical on every platform (unlike std::
// distributions or the global torch generator), so a seed gives the same clips, crops and
// shuffles everywhere. Every seeded function builds its own Rng from the seed it is given.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace vidrep {

// One splitmix64 output for `x`: a strong 64-bit mix, also used to derive independent seeds.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The seed of item `index` (a clip in a batch, a step in a pipeline) under `seed`: hashed, so
// neighbouring seeds and indices give unrelated streams.
constexpr uint64_t derive_seed(uint64_t seed, uint64_t index) { return mix64(mix64(seed) ^ mix64(index + 1)); }

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  // The standard splitmix64 stream: output k is mix64(seed + k * golden ratio).
  uint64_t next() {
    const uint64_t s = state_;
    state_ += 0x9E3779B97F4A7C15ull;
    return mix64(s);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive, lo <= hi) by multiply-shift.
  int64_t integer(int64_t lo, int64_t hi) {
    const auto n = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // A Fisher-Yates shuffle driven by this stream.
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(integer(0, static_cast<int64_t>(i) - 1))]);
  }

 private:
  uint64_t state_;
};

}  // namespace vidrep
