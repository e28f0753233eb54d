// The bucket table for bucketed training (Open-Sora style): which resolutions, clip lengths and
// aspect ratios batches may have, and how many clips each batch holds. Users edit it as JSON:
//
//   {
//     "multiple_of": 16,        // target heights/widths are multiples of this (the patch size)
//     "drop_last": true,        // a bucket's last, incomplete batch is dropped
//     "buckets": [
//       {"name": "240p", "resolution": 240, "frames": [16], "batch_size": 32,
//        "aspect_ratios": ["9:16", "3:4", "1:1", "4:3", "16:9"]},
//       {"name": "720p", "area": 921600, "frames": [16, 32], "batch_size": 4,
//        "aspect_ratios": ["16:9"]}
//     ]
//   }
//
// "resolution": P is the pixel area of a 16:9 frame P pixels high (P x floor(P*16/9), so 240 ->
// 240x426); "area" gives it directly. Aspect ratios are "W:H" (decimals allowed: "2.39:1").
// A bucket is one (entry, frame count, aspect ratio); every batch holds clips of one bucket.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

struct BucketSpec {
  std::string name;                        // "240p"; default "<P>p" or "<area>px"
  int64_t area = 0;                        // pixels per frame (height x width) of every ratio
  std::vector<int64_t> frames;             // allowed clip lengths
  std::vector<std::string> aspect_ratios;  // "W:H"
  int64_t batch_size = 1;
};

struct BucketConfig {
  std::vector<BucketSpec> buckets;
  int64_t multiple_of = 16;
  bool drop_last = true;

  // 240p / 360p / 480p / 720p, each with 16, 32 and 64 frames and the ratios 9:16, 3:4, 1:1,
  // 4:3, 16:9. Batch sizes keep pixels x frames per batch about equal: 240p x 16 frames -> 32,
  // halving for each doubling of frames and shrinking with area (720p x 64 frames -> 1).
  static BucketConfig defaults();
  // Throw ConfigError naming the entry and field ("buckets[2].frames: expected positive
  // integers, got -4"); load() names the file.
  static BucketConfig from_json(const std::string& text);
  static BucketConfig load(const std::string& path);
  std::string to_json() const;
  // Throws ConfigError for an empty table, non-positive sizes, a malformed ratio or the same
  // (name, frames) twice.
  void validate() const;
};

// "16:9" -> height / width (0.5625). Throws ConfigError naming `where`.
double parse_aspect_ratio(const std::string& text, const std::string& where);

// Pixel area of the 16:9 frame `p` pixels high: p x floor(p * 16 / 9).
int64_t resolution_area(int64_t p);

}  // namespace vidrep
