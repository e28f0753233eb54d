// Times one reading job with the I/O core (no LibTorch in the process, as in `vidrep frames`), for
// bench/run.py to compare with the ffmpeg CLI, PyAV and
// OpenCV doing the same job. Prints "seconds=<wall> frames=<n> peak_rss_mb=<m> ..." on one line.
//   vidrep_bench_io all FILE WxH THREADS             every frame, resized while converting
//   vidrep_bench_io clips FILE WxH THREADS L S1,S2,..  clips of L frames starting at S1, S2, ...
#include "vidrep/io/video_reader.h"
#include "vidrep/sample/clip_sampler.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>

namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 5) {
    std::fprintf(stderr, "usage: vidrep_bench_io all|clips FILE WxH THREADS [L S1,S2,...]\n");
    return 2;
  }
  const std::string mode = argv[1], path = argv[2], size = argv[3];
  const int threads = std::stoi(argv[4]);
  vidrep::ReaderOptions options;
  std::sscanf(size.c_str(), "%dx%d", &options.width, &options.height);
  options.threads = threads;

  const auto t0 = std::chrono::steady_clock::now();
  vidrep::VideoReader reader(path, options);
  const double open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  vidrep::Array out;
  if (mode == "all") {
    out = reader.read_range(0, reader.num_frames());
  } else if (mode == "clips" && argc >= 7) {
    const int64_t length = std::stoll(argv[5]);
    std::vector<std::vector<int64_t>> clips;
    std::stringstream starts(argv[6]);
    for (std::string s; std::getline(starts, s, ',');) {
      std::vector<int64_t> clip;
      for (int64_t i = 0; i < length; ++i) clip.push_back(std::stoll(s) + i);
      clips.push_back(clip);
    }
    out = vidrep::read_clips(reader, clips);
  } else {
    std::fprintf(stderr, "vidrep_bench_io: bad mode or arguments\n");
    return 2;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const vidrep::DecodeCounters c = reader.counters();
  // A checksum over every 97th byte keeps the work honest without an int64 copy of all frames.
  int64_t checksum = 0;
  for (size_t i = 0; i < out.nbytes(); i += 97) checksum += out.data<uint8_t>()[i];
  fmt::print("seconds={:.4f} open_seconds={:.4f} frames={} checksum={} peak_rss_mb={:.1f} decoded={} seeks={}\n",
             seconds, open_seconds, out.size(0) * (out.dim() == 5 ? out.size(1) : 1), checksum, peak_rss_mb(),
             c.frames_decoded, c.seeks);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "vidrep_bench_io: %s\n", e.what());
  return 1;
}
