// Times FeatureExtractor on clips loaded from a .npy, for bench/features.py to compare with OpenCV
// (Farneback flow + cv2 histograms) on the same clips. Prints one line of key=value pairs:
//   seconds=<extraction only> clips=<n> clips_per_s=<n/seconds> dim=<D> threads=<n>
//   vidrep_bench_features CLIPS.npy THREADS [--kinds LIST] [--stpp 1,2,4] [--temporal 1,2]
//                         [--batch N] [--out DESCRIPTORS.npy]
// CLIPS.npy is uint8 [K,T,H,W,3]; clips go to extract_batch() N at a time (default 8, as the CLI).
#include "vidrep/features/feature_extractor.h"
#include "vidrep/io/npy.h"
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace {

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
  const int threads = vidrep::set_num_threads(std::stoi(argv[2]));
  vidrep::features::FeatureOptions options;
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
  const at::Tensor clips = vidrep::to_tensor(vidrep::io::load_npy(path));
  extractor.extract_batch(clips.narrow(0, 0, 1));  // first-call allocations and table setup, untimed

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<at::Tensor> rows;
  for (int64_t first = 0; first < clips.size(0); first += batch) {
    rows.push_back(extractor.extract_batch(clips.narrow(0, first, std::min(batch, clips.size(0) - first))));
  }
  const at::Tensor descriptors = at::cat(rows);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!out.empty()) vidrep::io::save_npy(out, vidrep::to_array(descriptors));
  fmt::print("seconds={:.4f} clips={} clips_per_s={:.2f} dim={} threads={}\n", seconds, clips.size(0),
             static_cast<double>(clips.size(0)) / seconds, extractor.dim(), threads);
  return 0;
} catch (const std::exception& e) {
  const std::string what = e.what();
  std::fprintf(stderr, "vidrep_bench_features: %s\n", what.substr(0, what.find('\n')).c_str());
  return 1;
}
