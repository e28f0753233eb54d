// ClipSampler: which frames make up each training/test clip. Pure index arithmetic over a frame
// count (no decoding), deterministic for a seed; read_clips() then decodes them in one sorted,
// deduplicated request.
//
//   ClipSampler sampler({.kind = SamplerKind::Random, .clips = 8, .length = 16, .seed = 7});
//   auto clips = sampler.sample(reader.num_frames());   // 8 lists of 16 frame indices
//   at::Tensor x = read_clips(reader, clips);            // [8,16,H,W,3] uint8
//
// A clip of length L and stride S spans (L-1)*S+1 frames. Kinds:
//   uniform  K clips with starts evenly spread over the video (multi-clip test views)
//   random   K clips with starts drawn uniformly from the seed
//   regular  consecutive non-overlapping clips from frame 0 (K = 0: as many as fit)
// A video shorter than one clip follows the out-of-range policy.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

class VideoReader;

enum class SamplerKind { Uniform, Random, Regular };
enum class OutOfRange { RepeatLast, Wrap, Error };

struct ClipOptions {
  SamplerKind kind = SamplerKind::Uniform;
  int64_t clips = 1;
  int64_t length = 16;
  int64_t stride = 1;
  uint64_t seed = 0;
  OutOfRange policy = OutOfRange::RepeatLast;
};

// "uniform" | "random" | "regular"; "repeat" | "wrap" | "error". Throw InvalidArgument.
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

 private:
  ClipOptions options_;
};

// Decodes the clips' frames in one request: uint8 [K,L,H,W,3].
at::Tensor read_clips(VideoReader& reader, const std::vector<std::vector<int64_t>>& clips);

}  // namespace vidrep
