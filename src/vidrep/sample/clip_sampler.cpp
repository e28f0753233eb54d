#include "vidrep/sample/clip_sampler.h"

#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/random.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

namespace vidrep {


SamplerKind parse_sampler_kind(const std::string& name) {
  if (name == "uniform") return SamplerKind::Uniform;
  if (name == "random") return SamplerKind::Random;
  if (name == "regular") return SamplerKind::Regular;
  throw InvalidArgument(fmt::format("--sampler: unknown sampler '{}' (uniform, random, regular)", name));
}

OutOfRange parse_out_of_range(const std::string& name) {
  if (name == "repeat") return OutOfRange::RepeatLast;
  if (name == "wrap") return OutOfRange::Wrap;
  if (name == "error") return OutOfRange::Error;
  throw InvalidArgument(fmt::format("--out-of-range: unknown policy '{}' (repeat, wrap, error)", name));
}

ClipSampler::ClipSampler(ClipOptions options) : options_(options) {
  if (options_.length < 1) throw InvalidArgument(fmt::format("clip length must be >= 1, got {}", options_.length));
  if (options_.stride < 1) throw InvalidArgument(fmt::format("clip stride must be >= 1, got {}", options_.stride));
  if (options_.clips < 0 || (options_.clips == 0 && options_.kind != SamplerKind::Regular)) {
    throw InvalidArgument(fmt::format("clip count must be >= 1, got {}", options_.clips));
  }
}

std::vector<std::vector<int64_t>> ClipSampler::sample(int64_t num_frames) const {
  if (num_frames < 1) throw InvalidArgument("cannot sample clips from a video with no frames");
  const ClipOptions& o = options_;
  const int64_t span = (o.length - 1) * o.stride + 1;
  std::vector<int64_t> starts;
  if (span > num_frames) {
    if (o.policy == OutOfRange::Error) {
      throw InvalidArgument(fmt::format(
          "video has {} frames but a clip of {} frames at stride {} needs {}", num_frames,
          o.length, o.stride, span));
    }
    starts.assign(o.clips > 0 ? static_cast<size_t>(o.clips) : 1, 0);
  } else {
    const int64_t last_start = num_frames - span;
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
        for (int64_t s = 0; s <= last_start && (o.clips == 0 || static_cast<int64_t>(starts.size()) < o.clips); s += span) {
          starts.push_back(s);
        }
        break;
    }
  }
  std::vector<std::vector<int64_t>> clips;
  clips.reserve(starts.size());
  for (int64_t start : starts) {
    std::vector<int64_t> frames;
    frames.reserve(static_cast<size_t>(o.length));
    for (int64_t i = 0; i < o.length; ++i) {
      int64_t f = start + i * o.stride;
      if (f >= num_frames) f = o.policy == OutOfRange::Wrap ? f % num_frames : num_frames - 1;
      frames.push_back(f);
    }
    clips.push_back(std::move(frames));
  }
  return clips;
}

at::Tensor read_clips(VideoReader& reader, const std::vector<std::vector<int64_t>>& clips) {
  if (clips.empty()) throw InvalidArgument("no clips to read");
  std::vector<int64_t> flat;
  const size_t length = clips.front().size();
  for (const auto& clip : clips) {
    if (clip.size() != length) throw InvalidArgument("clips must all have the same length");
    flat.insert(flat.end(), clip.begin(), clip.end());
  }
  const at::Tensor frames = reader.read_frames(flat);
  return frames.view({static_cast<int64_t>(clips.size()), static_cast<int64_t>(length), frames.size(1), frames.size(2), 3});
}

}  // namespace vidrep
