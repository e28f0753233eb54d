// Geometric transforms of clips: resize, crops, flips and temporal subsampling. Pure functions: the
// input is never modified and the result never aliases it. Random ones take an explicit seed and
// draw once per clip, so every frame of a clip gets the same crop / flip.
//
//   at::Tensor x = to_tensor(read_clips(reader, clips))[0];              // [16,720,1280,3] uint8
//   x = transform::resize_short(x, 128);                       // [16,128,227,3]
//   x = transform::center_crop(x, 112, 112);                   // [16,112,112,3]
//
// Every function takes a clip [T,H,W,C] of uint8 or float32 and returns the same dtype; sizes are
// given width first (as everywhere in vidrep). Bad input: InvalidArgument naming the function,
// "expected X, got Y".
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vidrep::transform {

// [T,H,W,C] -> [T,height,width,C]. Bilinear with antialiasing: the triangle filter widened by the
// shrink factor, exactly at::_upsample_bilinear2d_aa (align_corners=false, as torchvision's
// Resize(antialias=True) and PIL); enlarging is plain bilinear. uint8 is filtered in float and
// rounded to nearest by a dedicated kernel (LibTorch 1.13 has no uint8 resize), within 1 level of
// LibTorch's float result.
at::Tensor resize(const at::Tensor& clip, int64_t width, int64_t height);

// The size resize_short gives: the short side becomes `size`, the long side
// floor(size * long / short) as torchvision's Resize(int).
struct FrameSize {
  int64_t width = 0, height = 0;
};
FrameSize short_side_size(int64_t width, int64_t height, int64_t size);
// [T,H,W,C] -> [T,h,w,C] with min(h,w) = size, keeping the aspect ratio.
at::Tensor resize_short(const at::Tensor& clip, int64_t size);

struct CropBox {
  int64_t top = 0, left = 0, width = 0, height = 0;
};

// [T,H,W,C] -> [T,height,width,C], the window at (top, left). Throws when it leaves the frame.
at::Tensor crop(const at::Tensor& clip, int64_t top, int64_t left, int64_t width, int64_t height);
// The centred window (offsets rounded half to even, as torchvision). A crop larger than the frame
// is an error, not padding.
CropBox center_crop_box(int64_t frame_width, int64_t frame_height, int64_t width, int64_t height);
at::Tensor center_crop(const at::Tensor& clip, int64_t width, int64_t height);
// A window placed uniformly at random (one draw for the whole clip).
CropBox random_crop_box(int64_t frame_width, int64_t frame_height, int64_t width, int64_t height, uint64_t seed);
at::Tensor random_crop(const at::Tensor& clip, int64_t width, int64_t height, uint64_t seed);

// [T,H,W,C] -> [T,box.height,box.width,C]: crop(resize(clip, width, height), box), equal to it
// bit for bit, but uint8 computes only the window (resize then centre crop is ~2x cheaper this
// way). Pipeline uses it for a resize item followed by a crop item.
at::Tensor resize_crop(const at::Tensor& clip, int64_t width, int64_t height, const CropBox& box);

// torchvision's RandomResizedCrop: a window of random area (fraction of the frame in [scale_min,
// scale_max]) and aspect ratio (w/h, log-uniform in [ratio_min, ratio_max]) is cut out and resized
// to width x height; after 10 misses it falls back to the largest centred window within the ratios.
struct ResizedCropOptions {
  int64_t width = 0, height = 0;
  double scale_min = 0.08, scale_max = 1.0;
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;
};
// The window random_resized_crop cuts from a frame_width x frame_height frame for this seed.
CropBox random_resized_crop_box(int64_t frame_width, int64_t frame_height, const ResizedCropOptions& options,
                                uint64_t seed);
// [T,H,W,C] -> [T,options.height,options.width,C]
at::Tensor random_resized_crop(const at::Tensor& clip, const ResizedCropOptions& options, uint64_t seed);

// [T,H,W,C] -> [T,H,W,C] mirrored left-right.
at::Tensor hflip(const at::Tensor& clip);
// Mirrors the whole clip with probability p (in [0,1]), else returns a copy.
at::Tensor random_hflip(const at::Tensor& clip, double p, uint64_t seed);
// The same along any axis of [T,H,W,C]: kFlipTime plays the clip backwards, kFlipRows turns it
// upside down, kFlipColumns mirrors it left-right (random_hflip). Label-free augmentations for
// the autoencoder; a classifier's labels may depend on the direction each one reverses.
enum FlipAxis : int64_t { kFlipTime = 0, kFlipRows = 1, kFlipColumns = 2 };
at::Tensor random_flip(const at::Tensor& clip, FlipAxis axis, double p, uint64_t seed);
// [T,N,N,C] -> [T,N,N,C] with rows and columns swapped (every frame mirrored about its main
// diagonal) with probability p, else a copy. Square frames only (InvalidArgument otherwise): a
// random transpose of other frames would give clips of two shapes. With the three flips, the
// eight symmetries of a square frame: label-free augmentation for the autoencoder.
at::Tensor random_transpose(const at::Tensor& clip, double p, uint64_t seed);

// [T,H,W,C] -> [ceil(T/k),H,W,C]: frames 0, k, 2k, ...
at::Tensor temporal_stride(const at::Tensor& clip, int64_t k);
// [T,H,W,C] -> [T,H,W,C] shifted in time by s frames, s drawn uniformly from [-k, k]: frame i
// becomes frame clamp(i + s, 0, T-1), so the first or last frames repeat. The order of the frames
// (and so the direction of any motion) is kept; the clip's start moves, as a loader's random start
// would move it in a longer video.
at::Tensor temporal_jitter(const at::Tensor& clip, int64_t k, uint64_t seed);

}  // namespace vidrep::transform
