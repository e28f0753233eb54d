#include "vidrep/sample/frame_stream.h"

#include "vidrep/error.h"
#include "vidrep/sample/clip_sampler.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace vidrep {

FrameStream::FrameStream(const std::string& path, StreamOptions options)
    : reader_(path, options.reader), options_(options) {
  if (!(options.fps >= 0) || !std::isfinite(options.fps))
    throw InvalidArgument(fmt::format("{}: fps {}: expected >= 0 (0: every frame)", path, options.fps));
  if (options.batch < 1) throw InvalidArgument(fmt::format("{}: batch {}: expected >= 1", path, options.batch));
  const FrameSpan span = frames_in_time(reader_, options.start, options.end);
  if (options.fps == 0) {
    for (int64_t i = span.first; i < span.first + span.count; ++i) {
      indices_.push_back(i);
      times_.push_back(reader_.frame_time(i));
    }
    return;
  }
  // Ticks from the range's start to its end (the end of the last frame when open-ended).
  const double first = std::max(options.start, 0.0);
  const double end = options.end >= 0 ? std::min(options.end, reader_.duration()) : reader_.duration();
  for (int64_t k = 0;; ++k) {
    const double t = first + static_cast<double>(k) / options.fps;
    if (t >= end) break;
    const int64_t i = std::clamp(reader_.frame_at_time(t), span.first, span.first + span.count - 1);
    indices_.push_back(i);
    times_.push_back(t);
  }
  if (indices_.empty()) {
    throw InvalidArgument(fmt::format("{}: no tick of {} fps in [{}, {}) s", path, options.fps, options.start, end));
  }
}

std::optional<StreamBatch> FrameStream::next() {
  if (next_ >= size()) return std::nullopt;
  const int64_t end = std::min(size(), next_ + options_.batch);
  StreamBatch b;
  b.indices.assign(indices_.begin() + next_, indices_.begin() + end);
  b.times.assign(times_.begin() + next_, times_.begin() + end);
  // A frame repeated from the previous batch (fps above the file's rate) is copied, not decoded
  // again: that would send the decoder back.
  size_t repeats = 0;
  while (repeats < b.indices.size() && b.indices[repeats] == last_index_) ++repeats;
  const std::vector<int64_t> fresh(b.indices.begin() + static_cast<std::ptrdiff_t>(repeats), b.indices.end());
  at::Tensor decoded = fresh.empty() ? at::Tensor() : reader_.read_frames(fresh);
  if (repeats == 0) {
    b.frames = decoded;
  } else {
    b.frames = at::empty({static_cast<int64_t>(b.indices.size()), last_frame_.size(0), last_frame_.size(1), 3}, at::kByte);
    b.frames.slice(0, 0, static_cast<int64_t>(repeats)).copy_(last_frame_.unsqueeze(0).expand({static_cast<int64_t>(repeats), -1, -1, -1}));
    if (decoded.defined()) b.frames.slice(0, static_cast<int64_t>(repeats)).copy_(decoded);
  }
  last_index_ = b.indices.back();
  last_frame_ = b.frames[b.frames.size(0) - 1].clone();
  next_ = end;
  return b;
}

}  // namespace vidrep
