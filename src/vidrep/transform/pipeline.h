// Pipeline: a chain of transforms written as text or JSON, applied to clips with one seed.
//
//   auto p = transform::Pipeline::parse("resize_short=128,random_crop=112,hflip=0.5,normalize=imagenet");
//   at::Tensor y = p.apply(clip, 7);            // [16,720,1280,3] uint8 -> [16,112,112,3] float32
//   at::Tensor b = p.apply_batch(clips, 7);     // [K,T,H,W,C]: clip k under clip_seed(7, k)
//
// Text syntax: items NAME[=VALUE] separated by ','; inside a value, fields by ':', list entries
// by ';', ranges LO-HI, sizes WxH (or N for NxN). Items, applied in order:
//   resize=WxH                  resize_short=N              temporal_stride=K
//   temporal_jitter=K           (a random shift of -K..K frames, edges repeated; geometry.h)
//   center_crop=WxH|N           random_crop=WxH|N           hflip[=P]  (P = 0.5 if left out)
//   vflip[=P]                   (upside down)               reverse[=P]  (played backwards)
//   transpose[=P]               (rows and columns swapped; square frames only)
//   random_resized_crop=WxH|N[:SMIN-SMAX[:RMIN-RMAX]]       (defaults 0.08-1 and 0.75-1.3333)
//   color_jitter=B[:C[:S[:H]]]  (missing strengths 0)       equalize
//   channel_shuffle[=P]         (RGB in a random one of the 6 orders)   invert[=P]  (the negative)
//   gaussian_noise=STD|LO-HI    (0..255 units on uint8, 0..1 on float32; a range draws once per clip)
//   gaussian_blur=SIGMA|LO-HI   (a range draws sigma once per clip)
// Copy-style edits (edits.h), P = probability (0.5 if left out):
//   speed=N[:LO-HI]             (N frames played at a random rate, default 0.5-2)
//   random_pad=F[:P]            overlay[=P]                 dct_quantize=LO-HI[:P]
//   normalize=imagenet|M;M;M:S;S;S  (or M:S for every channel; uint8 becomes float32 0..1 first)
//   to_float                    to_uint8
// JSON: a list of {"name": NAME, "value": VALUE} with VALUE a number or the text above (or
// omitted), e.g. [{"name":"resize_short","value":128},{"name":"normalize","value":"imagenet"}].
//
// A resize item directly followed by a crop item runs as one resize_crop (same result, only the
// kept window computed). Randomness: a clip under seed s runs step i with seed derive_seed(s, i)
// (random.h), one draw for all its frames, so the same seed gives the same output on every
// platform and one step's draw does not depend on the other steps. Errors (InvalidArgument) name
// the item as the user wrote it:
//   "--transform item 2 'center_crop=500': crop 500x500 larger than frame 96x72".
// Immutable after parsing, so one pipeline may be applied from several threads.
#pragma once

#include "vidrep/transform/steps.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::transform {

struct PipelineItem {
  std::string name;   // "center_crop"
  std::string value;  // canonical text ("112x112"); empty for items without one
};

class Pipeline {
 public:
  // The identity: apply() returns a copy.
  Pipeline() = default;

  // `origin` names the source in error messages ("--transform", a file path). Parse errors:
  // InvalidArgument naming the item; an empty text has no items and is an error too.
  static Pipeline parse(const std::string& text, const std::string& origin = "transform");
  static Pipeline from_json(const std::string& json_text, const std::string& origin = "transform");
  // Reads a JSON file; OpenError if it cannot be read.
  static Pipeline load_json(const std::string& path);

  const std::vector<PipelineItem>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  // Canonical text / JSON; parse(to_string()) and from_json(to_json()) give this pipeline back.
  std::string to_string() const;
  std::string to_json() const;

  // [T,H,W,C] uint8|float32 -> the clip after every step (shape and dtype as the steps make them).
  at::Tensor apply(const at::Tensor& clip, uint64_t seed) const;
  // [K,T,H,W,C] -> [K,...]: clip k under clip_seed(seed, k), so clips differ from each other.
  at::Tensor apply_batch(const at::Tensor& clips, uint64_t seed) const;
  static uint64_t clip_seed(uint64_t seed, int64_t index);

 private:
  void add(PipelineItem item, std::string written, detail::ParsedStep step);
  // Items i (a resize) and i + 1 (a crop) as one resize_crop: only the kept window is computed.
  at::Tensor resize_then_crop(const at::Tensor& x, size_t i, uint64_t seed) const;

  std::string origin_ = "transform";
  std::vector<PipelineItem> items_;
  std::vector<std::string> written_;  // each item as the user wrote it, for error messages
  std::vector<detail::ParsedStep> steps_;
};

}  // namespace vidrep::transform
