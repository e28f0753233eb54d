#include "vidrep/tokens/fit_clip.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/transform/geometry.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace vidrep {

at::Tensor fit_clip(const at::Tensor& clip, BucketShape target) {
  if (clip.dim() != 4) throw InvalidArgument(fmt::format("fit_clip: expected a clip [T,H,W,C], got {}", describe(clip)));
  if (clip.size(0) < target.frames) {
    throw InvalidArgument(fmt::format("fit_clip: expected at least {} frames, got {}", target.frames, clip.size(0)));
  }
  const FitPlan p = plan_fit(clip.size(1), clip.size(2), target);
  // The transforms' fused resize + crop: antialiased, and uint8 computes only the kept window.
  return transform::resize_crop(clip.narrow(0, 0, target.frames), p.resize_width, p.resize_height,
                                {p.crop_top, p.crop_left, target.width, target.height});
}

}  // namespace vidrep
