#include "vidrep/transform/convert.h"

#include "vidrep/error.h"
#include "vidrep/transform/check.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

namespace vidrep::transform {

using detail::check_clip;

at::Tensor to_float(const at::Tensor& clip) {
  check_clip(clip, "to_float");
  if (clip.scalar_type() == at::kFloat) return clip.clone(at::MemoryFormat::Contiguous);
  return clip.to(at::kFloat).div_(255.0);
}

at::Tensor to_uint8(const at::Tensor& clip) {
  check_clip(clip, "to_uint8");
  if (clip.scalar_type() == at::kByte) return clip.clone(at::MemoryFormat::Contiguous);
  return clip.clamp(0.0, 1.0).mul_(255.0).round_().to(at::kByte);
}

at::Tensor normalize(const at::Tensor& clip, const Normalization& n) {
  check_clip(clip, "normalize");
  const auto channels = static_cast<size_t>(clip.size(3));
  if (n.mean.size() != channels || n.std.size() != channels) {
    throw InvalidArgument(fmt::format("normalize: expected {} means and {} stds (one per channel), got {} and {}",
                                      channels, channels, n.mean.size(), n.std.size()));
  }
  // x' = x * scale[c] + shift[c], with 1/255 folded into scale for uint8.
  const double unit = clip.scalar_type() == at::kByte ? 1.0 / 255.0 : 1.0;
  std::vector<float> scale(channels), shift(channels);
  for (size_t c = 0; c < channels; ++c) {
    if (!(n.std[c] > 0.0) || !std::isfinite(n.std[c]) || !std::isfinite(n.mean[c])) {
      throw InvalidArgument(fmt::format("normalize: expected finite means and stds > 0, got mean {} std {}",
                                        n.mean[c], n.std[c]));
    }
    scale[c] = static_cast<float>(unit / n.std[c]);
    shift[c] = static_cast<float>(-n.mean[c] / n.std[c]);
  }
  // One pass: addcmul reads the uint8 clip and writes float directly.
  return at::addcmul(at::tensor(shift), clip, at::tensor(scale));
}

namespace {

void check_layout_rank(const char* op, const at::Tensor& x, const char* expected) {
  if (!x.defined() || (x.dim() != 4 && x.dim() != 5)) {
    throw InvalidArgument(fmt::format("{}: expected {}, got {}", op, expected, describe(x)));
  }
}

}  // namespace

at::Tensor to_cthw(const at::Tensor& x) {
  check_layout_rank("to_cthw", x, "[T,H,W,C] or [K,T,H,W,C]");
  if (x.dim() == 4) return x.permute({3, 0, 1, 2}).contiguous();
  return x.permute({0, 4, 1, 2, 3}).contiguous();
}

at::Tensor to_thwc(const at::Tensor& x) {
  check_layout_rank("to_thwc", x, "[C,T,H,W] or [K,C,T,H,W]");
  if (x.dim() == 4) return x.permute({1, 2, 3, 0}).contiguous();
  return x.permute({0, 2, 3, 4, 1}).contiguous();
}

Layout parse_layout(const std::string& name) {
  if (name == "thwc") return Layout::THWC;
  if (name == "cthw") return Layout::CTHW;
  throw InvalidArgument(fmt::format("--layout: expected thwc or cthw, got '{}'", name));
}

at::Tensor to_layout(const at::Tensor& thwc, Layout layout) {
  if (layout == Layout::CTHW) return to_cthw(thwc);
  check_layout_rank("to_layout", thwc, "[T,H,W,C] or [K,T,H,W,C]");
  return thwc;
}

}  // namespace vidrep::transform
