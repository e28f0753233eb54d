#include "vidrep/features/video_features.h"

#include "vidrep/error.h"
#include "vidrep/sample/clip_sampler.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>

namespace vidrep::features {

std::vector<ClipWindow> clip_windows(int64_t num_frames, int64_t length, int64_t stride) {
  if (length < 1) throw InvalidArgument(fmt::format("clip length: expected >= 1 frame, got {}", length));
  if (stride < 1) throw InvalidArgument(fmt::format("clip stride: expected >= 1 frame, got {}", stride));
  if (num_frames < 1) throw InvalidArgument("cannot cut clips from a video with no frames");
  if (num_frames < length) return {{0, num_frames}};
  std::vector<ClipWindow> windows;
  for (int64_t begin = 0; begin + length <= num_frames; begin += stride) windows.push_back({begin, begin + length});
  return windows;
}

VideoFeatures extract_video_features(VideoReader& reader, const FeatureExtractor& extractor,
                                     const VideoFeatureOptions& options) {
  if (options.batch_clips < 1) {
    throw InvalidArgument(fmt::format("batch_clips: expected >= 1, got {}", options.batch_clips));
  }
  const int64_t stride = options.stride == 0 ? options.clip_length : options.stride;
  VideoFeatures out;
  out.clips = clip_windows(reader.num_frames(), options.clip_length, stride);
  if (extractor.needs_motion() && out.clips.front().end - out.clips.front().begin < 2) {
    throw InvalidArgument(fmt::format("{}: motion features need clips of at least 2 frames, got {}", reader.path(),
                                      out.clips.front().end - out.clips.front().begin));
  }
  const int64_t total = static_cast<int64_t>(out.clips.size());
  std::vector<at::Tensor> rows;
  for (int64_t first = 0; first < total; first += options.batch_clips) {
    const int64_t last = std::min(total, first + options.batch_clips);
    std::vector<std::vector<int64_t>> indices;
    for (int64_t c = first; c < last; ++c) {
      std::vector<int64_t>& clip = indices.emplace_back();
      for (int64_t f = out.clips[c].begin; f < out.clips[c].end; ++f) clip.push_back(f);
    }
    // One sorted request per batch: overlapping windows decode their shared frames once.
    rows.push_back(extractor.extract_batch(read_clips(reader, indices)));
    if (options.progress) options.progress(last, total);
  }
  out.features = at::cat(rows, 0);
  return out;
}

}  // namespace vidrep::features
