#include "vidrep/sample/frame_stream.h"

#include "vidrep/error.h"
#include "vidrep/sample/clip_sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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
  const Array decoded = fresh.empty() ? Array() : reader_.read_frames(fresh);
  if (repeats == 0) {
    b.frames = decoded;
  } else {
    const int64_t h = last_frame_.size(1), w = last_frame_.size(2);
    const size_t frame_bytes = last_frame_.nbytes();
    b.frames = Array(DType::UInt8, {static_cast<int64_t>(b.indices.size()), h, w, 3});
    for (size_t k = 0; k < repeats; ++k) std::memcpy(b.frames.bytes() + k * frame_bytes, last_frame_.bytes(), frame_bytes);
    if (decoded.defined()) std::memcpy(b.frames.bytes() + repeats * frame_bytes, decoded.bytes(), decoded.nbytes());
  }
  last_index_ = b.indices.back();
  const int64_t n = b.frames.size(0);
  last_frame_ = Array(DType::UInt8, {1, b.frames.size(1), b.frames.size(2), 3});
  std::memcpy(last_frame_.bytes(), b.frames.bytes() + (n - 1) * last_frame_.nbytes(), last_frame_.nbytes());
  next_ = end;
  return b;
}

}  // namespace vidrep
