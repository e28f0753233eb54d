// Applying a Pipeline to clips (its text and JSON forms are in pipeline_text.cpp).
#include "vidrep/transform/pipeline.h"

#include "vidrep/error.h"
#include "vidrep/transform/check.h"
#include "vidrep/transform/geometry.h"
#include "vidrep/random.h"
#include "vidrep/transform/steps.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

namespace vidrep::transform {

using detail::item_error;

at::Tensor Pipeline::resize_then_crop(const at::Tensor& x, size_t i, uint64_t seed) const {
  const detail::ResizeSpec& r = *steps_[i].resize;
  const detail::CropSpec& c = *steps_[i + 1].crop;
  FrameSize size{r.width, r.height};
  try {
    detail::check_clip(x, r.short_side > 0 ? "resize_short" : "resize");
    if (r.short_side > 0) size = short_side_size(x.size(2), x.size(1), r.short_side);
  } catch (const InvalidArgument& e) {
    item_error(origin_, i, written_[i], e.what());
  }
  CropBox box;
  try {
    box = c.random ? random_crop_box(size.width, size.height, c.width, c.height, derive_seed(seed, i + 1))
                   : center_crop_box(size.width, size.height, c.width, c.height);
  } catch (const InvalidArgument& e) {
    item_error(origin_, i + 1, written_[i + 1], e.what());
  }
  try {
    return resize_crop(x, size.width, size.height, box);
  } catch (const InvalidArgument& e) {
    item_error(origin_, i, written_[i], e.what());
  }
}

at::Tensor Pipeline::apply(const at::Tensor& clip, uint64_t seed) const {
  detail::check_clip(clip, origin_.c_str());
  at::Tensor x = clip;
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (steps_[i].resize && i + 1 < steps_.size() && steps_[i + 1].crop) {
      x = resize_then_crop(x, i++, seed);
      continue;
    }
    try {
      x = steps_[i].fn(x, derive_seed(seed, i));
    } catch (const InvalidArgument& e) {
      item_error(origin_, i, written_[i], e.what());
    }
  }
  return x.is_same(clip) ? clip.clone(at::MemoryFormat::Contiguous) : x;
}

uint64_t Pipeline::clip_seed(uint64_t seed, int64_t index) {
  // A different derivation constant from the steps', so clip k's seed is not step k's.
  return derive_seed(seed ^ 0xC11Bull, static_cast<uint64_t>(index));
}

at::Tensor Pipeline::apply_batch(const at::Tensor& clips, uint64_t seed) const {
  if (!clips.defined() || clips.dim() != 5 || clips.size(0) < 1) {
    throw InvalidArgument(fmt::format("{}: expected a batch of clips [K,T,H,W,C], got {}", origin_,
                                      vidrep::describe(clips)));
  }
  // Clips in parallel, each on one thread (the steps' own parallel loops then run inline): one
  // parallel region per batch instead of several per clip. When the clips do not share out evenly
  // between the threads, one clip at a time with parallel steps balances better.
  const int64_t k_clips = clips.size(0), threads = at::get_num_threads();
  std::vector<at::Tensor> out(static_cast<size_t>(k_clips));
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) out[static_cast<size_t>(k)] = apply(clips[k], clip_seed(seed, k));
  };
  if (threads > 1 && (k_clips % threads == 0 || k_clips >= 4 * threads)) {
    at::parallel_for(0, k_clips, 1, run);
  } else {
    run(0, k_clips);
  }
  return at::stack(out);
}

}  // namespace vidrep::transform
