#include "vidrep/features/video_features.h"

#include "vidrep/error.h"
#include "vidrep/sample/clip_sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace vidrep::features {

VideoFeatures extract_video_features(VideoReader& reader, const FeatureExtractor& extractor,
                                     const VideoFeatureOptions& options) {
  if (options.batch_clips < 1) {
    throw InvalidArgument(fmt::format("batch_clips: expected >= 1, got {}", options.batch_clips));
  }
  if (options.stride < 0) throw InvalidArgument(fmt::format("clip stride: expected >= 0 frames, got {}", options.stride));
  const auto windows = ClipSampler({.kind = SamplerKind::Sliding, .clips = 0, .length = options.clip_length,
                                    .step = options.stride, .policy = OutOfRange::Shorten})
                           .sample(reader.num_frames());
  VideoFeatures out;
  for (const auto& w : windows) out.clips.push_back({w.front(), w.back() + 1});
  if (extractor.needs_motion() && out.clips.front().end - out.clips.front().begin < 2) {
    throw InvalidArgument(fmt::format("{}: motion features need clips of at least 2 frames, got {}", reader.path(),
                                      out.clips.front().end - out.clips.front().begin));
  }
  const int64_t total = static_cast<int64_t>(out.clips.size());
  out.features = Array(DType::Float32, {total, extractor.dim()});
  for (int64_t first = 0; first < total; first += options.batch_clips) {
    const int64_t last = std::min(total, first + options.batch_clips);
    const std::vector<std::vector<int64_t>> batch(windows.begin() + first, windows.begin() + last);
    // One sorted request per batch: overlapping windows decode their shared frames once.
    const Array rows = extractor.extract_batch(read_clips(reader, batch));
    std::memcpy(out.features.data<float>() + first * extractor.dim(), rows.data<float>(), rows.nbytes());
    if (options.progress) options.progress(last, total);
  }
  return out;
}

}  // namespace vidrep::features
