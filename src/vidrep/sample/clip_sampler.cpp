#include "vidrep/sample/clip_sampler.h"

#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/random.h"

#include <fmt/format.h>

#include <cmath>

namespace vidrep {
namespace {

// Frame times are compared with the slack VideoReader uses for printed times.
constexpr double kTimeSlack = 1e-6;

}  // namespace

SamplerKind parse_sampler_kind(const std::string& name) {
  if (name == "uniform") return SamplerKind::Uniform;
  if (name == "random") return SamplerKind::Random;
  if (name == "regular") return SamplerKind::Regular;
  if (name == "sliding") return SamplerKind::Sliding;
  throw InvalidArgument(fmt::format("--sampler: unknown sampler '{}' (uniform, random, regular, sliding)", name));
}

OutOfRange parse_out_of_range(const std::string& name) {
  if (name == "repeat") return OutOfRange::RepeatLast;
  if (name == "wrap") return OutOfRange::Wrap;
  if (name == "shorten") return OutOfRange::Shorten;
  if (name == "error") return OutOfRange::Error;
  throw InvalidArgument(fmt::format("--out-of-range: unknown policy '{}' (repeat, wrap, shorten, error)", name));
}

ClipSampler::ClipSampler(ClipOptions options) : options_(options) {
  if (options_.length < 1) throw InvalidArgument(fmt::format("clip length must be >= 1, got {}", options_.length));
  if (options_.stride < 1) throw InvalidArgument(fmt::format("clip stride must be >= 1, got {}", options_.stride));
  if (options_.step < 0) throw InvalidArgument(fmt::format("clip step must be >= 0, got {}", options_.step));
  const bool tiles = options_.kind == SamplerKind::Regular || options_.kind == SamplerKind::Sliding;
  if (options_.clips < 0 || (options_.clips == 0 && !tiles)) {
    throw InvalidArgument(fmt::format("clip count must be >= 1, got {}", options_.clips));
  }
}

std::vector<std::vector<int64_t>> ClipSampler::sample(int64_t num_frames) const {
  return sample(FrameSpan{0, num_frames});
}

std::vector<std::vector<int64_t>> ClipSampler::sample(FrameSpan frames) const {
  const int64_t n = frames.count;
  if (n < 1) throw InvalidArgument("cannot sample clips from a video with no frames");
  const ClipOptions& o = options_;
  const int64_t span = (o.length - 1) * o.stride + 1;
  std::vector<int64_t> starts;
  int64_t length = o.length;
  if (span > n) {
    if (o.policy == OutOfRange::Error) {
      throw InvalidArgument(fmt::format("video has {} frames but a clip of {} frames at stride {} needs {}", n,
                                        o.length, o.stride, span));
    }
    if (o.policy == OutOfRange::Shorten) {
      starts.assign(1, 0);
      length = (n - 1) / o.stride + 1;
    } else {
      starts.assign(o.clips > 0 ? static_cast<size_t>(o.clips) : 1, 0);
    }
  } else {
    const int64_t last_start = n - span;
    switch (o.kind) {
      case SamplerKind::Uniform:
        for (int64_t k = 0; k < o.clips; ++k) {
          starts.push_back(o.clips == 1 ? last_start / 2
                                        : static_cast<int64_t>(std::llround(double(k) * last_start / double(o.clips - 1))));
        }
        break;
      case SamplerKind::Random: {
        Rng rng(o.seed);
        for (int64_t k = 0; k < o.clips; ++k) starts.push_back(rng.integer(0, last_start));
        break;
      }
      case SamplerKind::Regular:
      case SamplerKind::Sliding: {
        const int64_t step = o.kind == SamplerKind::Sliding && o.step > 0 ? o.step : span;
        for (int64_t s = 0; s <= last_start && (o.clips == 0 || static_cast<int64_t>(starts.size()) < o.clips);
             s += step) {
          starts.push_back(s);
        }
        break;
      }
    }
  }
  std::vector<std::vector<int64_t>> clips;
  clips.reserve(starts.size());
  for (int64_t start : starts) {
    std::vector<int64_t> clip;
    clip.reserve(static_cast<size_t>(length));
    for (int64_t i = 0; i < length; ++i) {
      int64_t f = start + i * o.stride;
      if (f >= n) f = o.policy == OutOfRange::Wrap ? f % n : n - 1;
      clip.push_back(frames.first + f);
    }
    clips.push_back(std::move(clip));
  }
  return clips;
}

FrameSpan frames_in_time(const VideoReader& reader, double start, double end) {
  const int64_t n = reader.num_frames();
  auto first_at_or_after = [&](double t) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (reader.frame_time(mid) < t - kTimeSlack) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  };
  const int64_t first = start > 0 ? first_at_or_after(start) : 0;
  const int64_t last = end >= 0 ? first_at_or_after(end) : n;
  if (first >= last) {
    throw InvalidArgument(fmt::format("{}: no frame in the time range [{}, {}) s (video: {} frames, {:.3f} s)",
                                      reader.path(), start, end, n, reader.duration()));
  }
  return {first, last - first};
}

Array read_clips(VideoReader& reader, const std::vector<std::vector<int64_t>>& clips) {
  if (clips.empty()) throw InvalidArgument("no clips to read");
  std::vector<int64_t> flat;
  const size_t length = clips.front().size();
  for (const auto& clip : clips) {
    if (clip.size() != length) throw InvalidArgument("clips must all have the same length");
    flat.insert(flat.end(), clip.begin(), clip.end());
  }
  const Array frames = reader.read_frames(flat);
  return frames.reshaped({static_cast<int64_t>(clips.size()), static_cast<int64_t>(length), frames.size(1), frames.size(2), 3});
}

}  // namespace vidrep
