// Times FeatureExtractor on clips loaded from a .npy, for bench/features.py to compare with OpenCV
// (Farneback flow + cv2 histograms) on the same clips. Prints one line of key=value pairs:
//   seconds=<extraction only> clips=<n> clips_per_s=<n/seconds> dim=<D> threads=<n>
//   vidrep_bench_features CLIPS.npy THREADS [--kinds LIST] [--stpp 1,2,4] [--temporal 1,2]
//                         [--batch N] [--out DESCRIPTORS.npy]
// CLIPS.npy is uint8 [K,T,H,W,3]; clips go to extract_batch() N at a time (default 8, as the CLI),
// THREADS of them at once (0: one per core).
#include "vidrep/features/feature_extractor.h"
#include "vidrep/io/npy.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Clips [first, first + n) of a batch [K,...]: a view of the same memory.
vidrep::Array clips_of(const vidrep::Array& clips, int64_t first, int64_t n) {
  std::vector<int64_t> shape = clips.shape();
  const size_t bytes_per_clip = clips.nbytes() / static_cast<size_t>(shape[0]);
  shape[0] = n;
  return vidrep::Array::wrap(clips.dtype(), shape, clips.bytes() + first * bytes_per_clip, clips.owner());
}

std::vector<int> parse_levels(const std::string& text) {
  std::vector<int> levels;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) levels.push_back(std::stoi(item));
  return levels;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: vidrep_bench_features CLIPS.npy THREADS [--kinds LIST] [--stpp L] [--temporal L] "
                 "[--batch N] [--out F.npy]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int threads = std::stoi(argv[2]) > 0 ? std::stoi(argv[2]) : vidrep::hardware_threads();
  vidrep::features::FeatureOptions options;
  options.threads = threads;
  int64_t batch = 8;
  std::string out;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--kinds") {
      options.kinds = vidrep::features::parse_feature_kinds(value);
    } else if (flag == "--stpp") {
      options.stpp.spatial = parse_levels(value);
    } else if (flag == "--temporal") {
      options.stpp.temporal = parse_levels(value);
    } else if (flag == "--batch") {
      batch = std::stoll(value);
    } else if (flag == "--out") {
      out = value;
    } else {
      std::fprintf(stderr, "vidrep_bench_features: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const vidrep::features::FeatureExtractor extractor(options);
  const vidrep::Array clips = vidrep::io::load_npy(path);
  extractor.extract_batch(clips_of(clips, 0, 1));  // first-call allocations and table setup, untimed

  const auto t0 = std::chrono::steady_clock::now();
  vidrep::Array descriptors(vidrep::DType::Float32, {clips.size(0), extractor.dim()});
  for (int64_t first = 0; first < clips.size(0); first += batch) {
    const vidrep::Array rows = extractor.extract_batch(clips_of(clips, first, std::min(batch, clips.size(0) - first)));
    std::memcpy(descriptors.data<float>() + first * extractor.dim(), rows.data<float>(), rows.nbytes());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!out.empty()) vidrep::io::save_npy(out, descriptors);
  fmt::print("seconds={:.4f} clips={} clips_per_s={:.2f} dim={} threads={}\n", seconds, clips.size(0),
             static_cast<double>(clips.size(0)) / seconds, extractor.dim(), threads);
  return 0;
} catch (const std::exception& e) {
  const std::string what = e.what();
  std::fprintf(stderr, "vidrep_bench_features: %s\n", what.substr(0, what.find('\n')).c_str());
  return 1;
}
