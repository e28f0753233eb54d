// Internal to the loader: making one sample in two stages, so that DataLoader can tell an
// unreadable file (decode_sample throws a reader's vidrep::Error: skip the file) from anything
// else (prepare / write_video fail: a real error to report).
//
//   detail::SampleContext ctx(options);                          // validated, parsed once
//   detail::DecodedSample d = detail::decode_sample(sample, ctx, seed);
//   detail::prepare(d, ctx, seed);                               // transform + log-mel
//   detail::write_video(d.frames, out);                          // -> float32 [3,T,H,W]
#pragma once

#include "vidrep/data/loader.h"
#include "vidrep/features/log_mel.h"
#include "vidrep/tokens/bucketer.h"
#include "vidrep/transform/pipeline.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

namespace vidrep::detail {

// What every sample of a loader shares: its options, checked, and the parsed transform and
// log-mel filters. Immutable after construction, so workers share one.
struct SampleContext {
  // Throws InvalidArgument naming the option (or the transform item) that is wrong.
  explicit SampleContext(const LoaderOptions& options);

  LoaderOptions options;
  transform::Pipeline pipeline;  // empty when options.transform is
  std::optional<LogMel> log_mel;  // when options.audio
};

struct DecodedSample {
  at::Tensor frames;      // uint8 [T,H,W,3]; after prepare(), the transformed clip
  at::Tensor audio;       // float32 [S] mono; after prepare(), [mel_frames, mel_bins]
  double clip_start = 0;  // seconds
  // The same frames whatever the seed (one possible clip, or the centred one): the loader may
  // keep them and skip decoding in later epochs.
  bool seed_independent = false;
};

// Opens the file and decodes the sample's clip and audio. A non-zero `shape` (a bucket's) replaces
// the options' clip length and size: frames are resized on decode to cover shape.height x
// shape.width keeping their aspect ratio, then centre-cropped to it. Throws the readers'
// vidrep::Error for a file that cannot be read, and InvalidArgument when the sample's time range
// holds no frame.
DecodedSample decode_sample(const Sample& sample, const SampleContext& ctx, uint64_t sample_seed,
                            int64_t clip_index = 0, int64_t num_clips = 1, BucketShape shape = {});

// Applies the transform to the frames and turns the audio into log-mel, in place.
void prepare(DecodedSample& sample, const SampleContext& ctx, uint64_t sample_seed);

// View `view` of decoded frames under the context's transform: view 0 is what prepare() makes,
// the others draw from seeds of their own. `frames` is not written.
at::Tensor transform_view(const at::Tensor& frames, const SampleContext& ctx, uint64_t sample_seed, int view);

// [T,H,W,3] uint8 or float32 -> `out`, a contiguous float32 [3,T,H,W] (a batch slot): uint8 as
// x / 255, float32 as it is. One pass, no intermediate tensors.
void write_video(const at::Tensor& clip, const at::Tensor& out);

}  // namespace vidrep::detail
