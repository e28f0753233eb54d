#include "vidrep/transform/geometry.h"

#include "vidrep/error.h"
#include "vidrep/transform/check.h"
#include "vidrep/random.h"
#include "vidrep/transform/resample.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

namespace vidrep::transform {

using detail::check_clip;

namespace {

void check_size(const char* op, int64_t width, int64_t height) {
  if (width < 1 || height < 1 || width > 16384 || height > 16384) {
    throw InvalidArgument(fmt::format("{}: expected a size of 1..16384 per side, got {}x{}", op, width, height));
  }
}

void check_fits(const char* op, int64_t frame_width, int64_t frame_height, int64_t width, int64_t height) {
  check_size(op, width, height);
  if (width > frame_width || height > frame_height) {
    throw InvalidArgument(
        fmt::format("{}: crop {}x{} larger than frame {}x{}", op, width, height, frame_width, frame_height));
  }
}

// Python's round(), which torchvision uses: half to even (the default floating-point mode).
int64_t round_half_even(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

}  // namespace

at::Tensor resize(const at::Tensor& clip, int64_t width, int64_t height) {
  check_clip(clip, "resize");
  check_size("resize", width, height);
  if (clip.scalar_type() == at::kByte) return detail::resize_aa_uint8(clip, width, height, 0, 0, width, height);
  // Permuted, the THWC clip is a channels-last NCHW tensor, which the kernel handles natively.
  const at::Tensor nchw = clip.permute({0, 3, 1, 2});
  return at::_upsample_bilinear2d_aa(nchw, {height, width}, /*align_corners=*/false)
      .permute({0, 2, 3, 1})
      .contiguous();
}

FrameSize short_side_size(int64_t width, int64_t height, int64_t size) {
  if (width <= height) return {size, static_cast<int64_t>(static_cast<double>(size) * height / width)};
  return {static_cast<int64_t>(static_cast<double>(size) * width / height), size};
}

at::Tensor resize_short(const at::Tensor& clip, int64_t size) {
  check_clip(clip, "resize_short");
  check_size("resize_short", size, size);
  const FrameSize s = short_side_size(clip.size(2), clip.size(1), size);
  return resize(clip, s.width, s.height);
}

at::Tensor crop(const at::Tensor& clip, int64_t top, int64_t left, int64_t width, int64_t height) {
  check_clip(clip, "crop");
  check_fits("crop", clip.size(2), clip.size(1), width, height);
  if (top < 0 || left < 0 || top + height > clip.size(1) || left + width > clip.size(2)) {
    throw InvalidArgument(fmt::format("crop: window {}x{} at top {} left {} leaves the frame {}x{}", width, height,
                                      top, left, clip.size(2), clip.size(1)));
  }
  return clip.slice(1, top, top + height).slice(2, left, left + width).contiguous();
}

CropBox center_crop_box(int64_t frame_width, int64_t frame_height, int64_t width, int64_t height) {
  check_fits("center_crop", frame_width, frame_height, width, height);
  return {round_half_even(static_cast<double>(frame_height - height) / 2.0),
          round_half_even(static_cast<double>(frame_width - width) / 2.0), width, height};
}

at::Tensor center_crop(const at::Tensor& clip, int64_t width, int64_t height) {
  check_clip(clip, "center_crop");
  const CropBox b = center_crop_box(clip.size(2), clip.size(1), width, height);
  return crop(clip, b.top, b.left, b.width, b.height);
}

CropBox random_crop_box(int64_t frame_width, int64_t frame_height, int64_t width, int64_t height, uint64_t seed) {
  check_fits("random_crop", frame_width, frame_height, width, height);
  Rng rng(seed);
  const int64_t top = rng.integer(0, frame_height - height);
  const int64_t left = rng.integer(0, frame_width - width);
  return {top, left, width, height};
}

at::Tensor random_crop(const at::Tensor& clip, int64_t width, int64_t height, uint64_t seed) {
  check_clip(clip, "random_crop");
  const CropBox b = random_crop_box(clip.size(2), clip.size(1), width, height, seed);
  return crop(clip, b.top, b.left, b.width, b.height);
}

at::Tensor resize_crop(const at::Tensor& clip, int64_t width, int64_t height, const CropBox& box) {
  check_clip(clip, "resize_crop");
  check_size("resize_crop", width, height);
  check_fits("resize_crop", width, height, box.width, box.height);
  if (box.top < 0 || box.left < 0 || box.top + box.height > height || box.left + box.width > width) {
    throw InvalidArgument(fmt::format("resize_crop: window {}x{} at top {} left {} leaves the frame {}x{}",
                                      box.width, box.height, box.top, box.left, width, height));
  }
  if (clip.scalar_type() != at::kByte) return crop(resize(clip, width, height), box.top, box.left, box.width, box.height);
  return detail::resize_aa_uint8(clip, width, height, box.top, box.left, box.width, box.height);
}

CropBox random_resized_crop_box(int64_t frame_width, int64_t frame_height, const ResizedCropOptions& o,
                                uint64_t seed) {
  if (!(o.scale_min > 0 && o.scale_min <= o.scale_max && o.scale_max <= 1.0)) {
    throw InvalidArgument(fmt::format("random_resized_crop: expected a scale range 0 < min <= max <= 1, got {}-{}",
                                      o.scale_min, o.scale_max));
  }
  if (!(o.ratio_min > 0 && o.ratio_min <= o.ratio_max && std::isfinite(o.ratio_max))) {
    throw InvalidArgument(fmt::format("random_resized_crop: expected a ratio range 0 < min <= max, got {}-{}",
                                      o.ratio_min, o.ratio_max));
  }
  Rng rng(seed);
  const double area = static_cast<double>(frame_width) * static_cast<double>(frame_height);
  const double log_lo = std::log(o.ratio_min), log_hi = std::log(o.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(o.scale_min, o.scale_max);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const int64_t w = round_half_even(std::sqrt(target * aspect));
    const int64_t h = round_half_even(std::sqrt(target / aspect));
    if (w > 0 && w <= frame_width && h > 0 && h <= frame_height) {
      const int64_t top = rng.integer(0, frame_height - h);
      const int64_t left = rng.integer(0, frame_width - w);
      return {top, left, w, h};
    }
  }
  const double in_ratio = static_cast<double>(frame_width) / static_cast<double>(frame_height);
  int64_t w = frame_width, h = frame_height;
  if (in_ratio < o.ratio_min) {
    h = std::max<int64_t>(1, round_half_even(static_cast<double>(w) / o.ratio_min));
  } else if (in_ratio > o.ratio_max) {
    w = std::max<int64_t>(1, round_half_even(static_cast<double>(h) * o.ratio_max));
  }
  return {(frame_height - h) / 2, (frame_width - w) / 2, w, h};
}

at::Tensor random_resized_crop(const at::Tensor& clip, const ResizedCropOptions& options, uint64_t seed) {
  check_clip(clip, "random_resized_crop");
  check_size("random_resized_crop", options.width, options.height);
  const CropBox box = random_resized_crop_box(clip.size(2), clip.size(1), options, seed);
  // The window is a view: resize reads it in place (uint8) rather than copying it first.
  const at::Tensor window = clip.slice(1, box.top, box.top + box.height).slice(2, box.left, box.left + box.width);
  return resize(window, options.width, options.height);
}

at::Tensor hflip(const at::Tensor& clip) {
  check_clip(clip, "hflip");
  return clip.flip({2});
}

at::Tensor random_hflip(const at::Tensor& clip, double p, uint64_t seed) {
  return random_flip(clip, kFlipColumns, p, seed);
}

at::Tensor random_flip(const at::Tensor& clip, FlipAxis axis, double p, uint64_t seed) {
  static constexpr const char* kNames[] = {"random_reverse", "random_vflip", "random_hflip"};
  const char* name = kNames[axis];
  check_clip(clip, name);
  if (!(p >= 0.0 && p <= 1.0)) throw InvalidArgument(fmt::format("{}: expected a probability in [0,1], got {}", name, p));
  Rng rng(seed);
  return rng.uniform() < p ? clip.flip({axis}) : clip.clone(at::MemoryFormat::Contiguous);
}

at::Tensor random_transpose(const at::Tensor& clip, double p, uint64_t seed) {
  check_clip(clip, "random_transpose");
  if (!(p >= 0.0 && p <= 1.0)) throw InvalidArgument(fmt::format("random_transpose: expected a probability in [0,1], got {}", p));
  if (clip.size(1) != clip.size(2))
    throw InvalidArgument(fmt::format("random_transpose: expected square frames, got {}x{}", clip.size(2), clip.size(1)));
  Rng rng(seed);
  return rng.uniform() < p ? clip.transpose(1, 2).contiguous() : clip.clone(at::MemoryFormat::Contiguous);
}

at::Tensor temporal_stride(const at::Tensor& clip, int64_t k) {
  check_clip(clip, "temporal_stride");
  if (k < 1) throw InvalidArgument(fmt::format("temporal_stride: expected a step >= 1, got {}", k));
  return clip.slice(0, 0, clip.size(0), k).contiguous();
}

at::Tensor temporal_jitter(const at::Tensor& clip, int64_t k, uint64_t seed) {
  check_clip(clip, "temporal_jitter");
  if (k < 0) throw InvalidArgument(fmt::format("temporal_jitter: expected a shift >= 0, got {}", k));
  Rng rng(seed);
  const int64_t shift = std::min<int64_t>(2 * k, static_cast<int64_t>(rng.uniform() * static_cast<double>(2 * k + 1))) - k;
  if (shift == 0) return clip.clone(at::MemoryFormat::Contiguous);
  const at::Tensor index = at::arange(clip.size(0), at::kLong).add_(shift).clamp_(0, clip.size(0) - 1);
  return clip.index_select(0, index);
}

}  // namespace vidrep::transform
