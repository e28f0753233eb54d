#include "vidrep/transform/check.h"

#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace vidrep::transform::detail {

void check_clip(const at::Tensor& x, const char* op, Channels channels) {
  const bool rgb = channels == Channels::Rgb;
  const bool ok = x.defined() && x.dim() == 4 && x.numel() > 0 &&
                  (x.scalar_type() == at::kByte || x.scalar_type() == at::kFloat) && (!rgb || x.size(3) == 3);
  if (!ok) {
    throw InvalidArgument(fmt::format("{}: expected a [T,H,W,{}] uint8 or float32 clip, got {}", op,
                                      rgb ? "3" : "C", vidrep::describe(x)));
  }
}

}  // namespace vidrep::transform::detail
