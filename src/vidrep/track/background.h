// Moving-object detection for a static camera: a per-pixel background model of the luma (a running
// mean and variance), compensated for global lighting changes, whose foreground is cleaned of
// noise and cut into boxes (connected components). Free of LibTorch (the I/O core).
//
//   track::BackgroundModel bg(width, height);
//   for (each frame) {
//     const std::vector<uint8_t>& mask = bg.apply(rgb);     // 1: foreground
//     std::vector<track::Box> boxes = track::blobs(mask, width, height, 20);
//   }
//
// A pixel is foreground when its luma, less the frame's median change from the background (a
// light switched on, the sun behind a cloud, automatic exposure: everything moves together), is
// more than `threshold` standard deviations from its mean, the deviation floored at `min_std`
// (camera noise), or when its colour (B - Y, R - Y, which a lighting change barely moves) is as
// far from its mean colour: an orange coat on grey paving differs in colour, hardly in luma. The mean and variance follow the background at `rate` per frame, and at a tenth
// of it where the pixel is foreground, so that a passing object does not enter the background.
// absorb() makes a region background at once: track_file.h does it to a track that has not moved
// for a second (the "ghost" an object leaves where it stood when the model started, or an object
// that stopped). The mask is opened (isolated noise removed) and closed (an object's parts
// joined) with 3x3 neighbourhoods.
#pragma once

#include <cstdint>
#include <vector>

namespace vidrep::track {

struct Box {
  float x = 0, y = 0, w = 0, h = 0;  // left, top, size, pixels
  float area() const { return w * h; }
};

// The boxes' common part (of zero size where they do not overlap).
Box intersection(const Box& a, const Box& b);
// Intersection over union (0 for boxes that do not touch).
float iou(const Box& a, const Box& b);

struct BackgroundOptions {
  float rate = 0.02f;      // per frame (25 fps: about 2 s to follow a change of scene)
  float threshold = 3.0f;  // standard deviations
  float min_std = 6.0f;    // luma levels
  int warmup = 10;         // frames learnt before anything is foreground
};

class BackgroundModel {
 public:
  BackgroundModel(int width, int height, BackgroundOptions options = {});
  // Takes a frame (uint8 RGB, width x height x 3 packed) and returns its foreground mask (0/1 per
  // pixel, row-major), valid until the next call.
  const std::vector<uint8_t>& apply(const uint8_t* rgb);
  // The last frame's pixels inside `box` become the background there.
  void absorb(const Box& box);
  int frames() const { return frames_; }

 private:
  int w_, h_;
  BackgroundOptions o_;
  int frames_ = 0;
  float shift_ = 0;  // the last frame's lighting change
  std::vector<float> mean_, var_, luma_;
  std::vector<float> chroma_, chroma_mean_, chroma_var_;  // (B - Y, R - Y) per pixel; one variance for both
  std::vector<uint8_t> mask_, scratch_;
};

// Boxes around the connected regions (8-neighbourhood) of a mask of at least `min_area` pixels,
// from left to right (by their first pixel in row-major order).
std::vector<Box> blobs(const std::vector<uint8_t>& mask, int width, int height, int min_area);

}  // namespace vidrep::track
