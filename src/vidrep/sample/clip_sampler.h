// ClipSampler: which frames make up each training/test clip. Pure index arithmetic over a frame
// count (no decoding), deterministic for a seed; read_clips() then decodes them in one sorted,
// deduplicated request.
//
//   ClipSampler sampler({.kind = SamplerKind::Random, .clips = 8, .length = 16, .seed = 7});
//   auto clips = sampler.sample(reader.num_frames());   // 8 lists of 16 frame indices
//   Array x = read_clips(reader, clips);                 // [8,16,H,W,3] uint8
//
// A clip of length L and stride S spans (L-1)*S+1 frames. Kinds:
//   uniform  K clips with starts evenly spread over the video (multi-clip test views)
//   random   K clips with starts drawn uniformly from the seed
//   sliding  clips starting every `step` frames from frame 0, each wholly inside the video
//            (K = 0: as many as fit); step 0 is one clip span, i.e. consecutive clips
//   regular  sliding with step 0 (consecutive non-overlapping clips)
// A video shorter than one clip follows the out-of-range policy: repeat the last frame, wrap
// around, shorten (one clip of the frames there are: descriptors that pool over time describe a
// short video rather than a padded one) or error.
//
// This is the only place clips are chosen: the loader (train/eval/predict), `vidrep clips`,
// `vidrep features` and the autoencoder's evaluation all sample here. A sample's time range
// [start, end) becomes a FrameSpan with frames_in_time(), and sample(span) offsets into it.
#pragma once

#include "vidrep/array.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

class VideoReader;

enum class SamplerKind { Uniform, Random, Regular, Sliding };
enum class OutOfRange { RepeatLast, Wrap, Shorten, Error };

struct ClipOptions {
  SamplerKind kind = SamplerKind::Uniform;
  int64_t clips = 1;
  int64_t length = 16;
  int64_t stride = 1;
  int64_t step = 0;  // sliding: frames between clip starts; 0: one clip span
  uint64_t seed = 0;
  OutOfRange policy = OutOfRange::RepeatLast;
};

// The frames [first, first + count) of a video that clips are drawn from.
struct FrameSpan {
  int64_t first = 0;
  int64_t count = 0;
};

// "uniform" | "random" | "regular" | "sliding"; "repeat" | "wrap" | "shorten" | "error".
// Throw InvalidArgument.
SamplerKind parse_sampler_kind(const std::string& name);
OutOfRange parse_out_of_range(const std::string& name);

class ClipSampler {
 public:
  // Throws InvalidArgument for non-positive length/stride or negative clip counts.
  explicit ClipSampler(ClipOptions options);
  const ClipOptions& options() const { return options_; }
  // Frame indices of each clip, all within [0, num_frames). Throws InvalidArgument when the video
  // is shorter than a clip and the policy is Error.
  std::vector<std::vector<int64_t>> sample(int64_t num_frames) const;
  // The same over frames [span.first, span.first + span.count).
  std::vector<std::vector<int64_t>> sample(FrameSpan span) const;

 private:
  ClipOptions options_;
};

// The frames whose times lie in [start, end) seconds (end < 0: to the end). Throws InvalidArgument
// naming the file when no frame does.
FrameSpan frames_in_time(const VideoReader& reader, double start, double end);

// Decodes the clips' frames in one request: uint8 [K,L,H,W,3].
Array read_clips(VideoReader& reader, const std::vector<std::vector<int64_t>>& clips);

}  // namespace vidrep
