// Bucketing clips of mixed sizes into batches of equal shape (Open-Sora style), so that a batch
// can be one tensor without padding while the dataset keeps its variety of resolutions, lengths
// and aspect ratios.
//
//   vidrep::Bucketer bucketer(vidrep::BucketConfig::load("buckets.json"));   // or defaults()
//   auto a = bucketer.assign(720, 1280, 90);   // 720p / 64 frames / 16:9 -> shape 64x720x1280
//   vidrep::BucketPlan plan = bucketer.plan(samples, /*seed=*/7);
//   for (const auto& batch : plan.batches) { ... fit_clip(clip, batch.shape) ... }
//   for (const auto& w : plan.warnings) log(w);   // the library does not print
//
// Assignment, for a clip of H x W pixels and T frames:
//   1. the largest (area, frames) pair in the table with area <= H*W and frames <= T (larger
//      area first, then longer): clips are only ever shrunk and trimmed, never stretched;
//   2. the entry's aspect ratio nearest to H/W (in log space, so 2:1 and 1:2 are equally far
//      from 1:1);
//   3. target height/width = sqrt(area * r), sqrt(area / r) with r = H/W of the ratio, rounded
//      to the nearest multiple of `multiple_of`.
// A clip is brought to that shape by resizing it to cover the target, cropping the centre and
// keeping its first `frames` frames (plan_fit; tokens/fit_clip.h does it to a tensor). Free of
// LibTorch: curation (I/O core) buckets its clips with it.
// Thread-safe: a Bucketer is immutable after construction.
#pragma once

#include "vidrep/tokens/bucket_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vidrep {

struct BucketShape {
  int64_t frames = 0;
  int64_t height = 0;
  int64_t width = 0;
  bool operator==(const BucketShape&) const = default;
};

struct BucketAssignment {
  int64_t spec = 0;   // index into BucketConfig::buckets
  int64_t ratio = 0;  // index into that entry's aspect_ratios
  BucketShape shape;  // the target every clip of this bucket is brought to
  std::string key;    // "240p/16f/16:9", unique per bucket
  int64_t batch_size = 1;
};

// Resize (to cover the target) then centre-crop: how fit_clip reaches `target` from H x W.
struct FitPlan {
  int64_t resize_height = 0, resize_width = 0;
  int64_t crop_top = 0, crop_left = 0;
  BucketShape shape;
};
FitPlan plan_fit(int64_t height, int64_t width, BucketShape target);

struct BucketSample {
  int64_t height = 0;
  int64_t width = 0;
  int64_t frames = 0;
};

struct BucketBatch {
  std::string bucket;            // BucketAssignment::key
  BucketShape shape;
  std::vector<int64_t> samples;  // indices into the list given to plan()
};

struct BucketPlan {
  std::vector<BucketBatch> batches;  // in training order
  std::vector<std::optional<BucketAssignment>> assignments;  // one per sample
  std::vector<int64_t> unassigned;   // samples too small or too short for every bucket
  std::vector<int64_t> dropped;      // assigned, but in an incomplete batch under drop_last
  // For the caller to log: buckets that can never fill a batch with this dataset (they lose
  // their clips under drop_last), table entries no clip reaches, clips no bucket takes.
  std::vector<std::string> warnings;
};

class Bucketer {
 public:
  // Throws ConfigError for an invalid table.
  explicit Bucketer(BucketConfig config = BucketConfig::defaults());
  const BucketConfig& config() const { return config_; }

  // The bucket of a H x W clip with T frames; nullopt when it is smaller than every area or
  // shorter than every frame count that fits. Throws InvalidArgument for non-positive sizes.
  std::optional<BucketAssignment> assign(int64_t height, int64_t width, int64_t frames) const;

  // Groups samples into batches of one bucket each: members of every bucket shuffled, cut into
  // batch_size pieces, and the batches shuffled, all from `seed` (the same plan on every
  // platform). Under drop_last only full batches are kept.
  BucketPlan plan(const std::vector<BucketSample>& samples, uint64_t seed) const;

 private:
  struct Candidate {
    int64_t spec, frames, area;
  };
  BucketConfig config_;
  std::vector<Candidate> candidates_;  // every (entry, frames), largest area then longest first
  std::vector<std::vector<double>> ratios_;  // per entry, height / width
};

}  // namespace vidrep
