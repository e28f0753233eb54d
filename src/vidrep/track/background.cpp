#include "vidrep/track/background.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace vidrep::track {
namespace {

// 3x3 morphology on a 0/1 mask: a pixel stays (erode) or becomes (dilate) set when at least
// `need` of its 9 neighbours are set (9: erosion, 1: dilation); outside the image counts as unset.
void morph(const std::vector<uint8_t>& in, std::vector<uint8_t>& out, int w, int h, int need) {
  out.assign(in.size(), 0);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int n = 0;
      for (int dy = -1; dy <= 1; ++dy) {
        const int yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (int dx = -1; dx <= 1; ++dx) {
          const int xx = x + dx;
          if (xx >= 0 && xx < w) n += in[static_cast<size_t>(yy) * w + xx];
        }
      }
      out[static_cast<size_t>(y) * w + x] = n >= need ? 1 : 0;
    }
  }
}

}  // namespace

Box intersection(const Box& a, const Box& b) {
  const float x = std::max(a.x, b.x), y = std::max(a.y, b.y);
  return {x, y, std::max(0.0f, std::min(a.x + a.w, b.x + b.w) - x), std::max(0.0f, std::min(a.y + a.h, b.y + b.h) - y)};
}

float iou(const Box& a, const Box& b) {
  const float inter = intersection(a, b).area(), uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

BackgroundModel::BackgroundModel(int width, int height, BackgroundOptions options)
    : w_(width), h_(height), o_(options) {
  if (width < 3 || height < 3) throw InvalidArgument(fmt::format("background model: {}x{} is too small", width, height));
  if (!(options.rate > 0 && options.rate <= 1) || !(options.threshold > 0) || !(options.min_std > 0) || options.warmup < 0) {
    throw InvalidArgument("background model: rate in (0, 1], threshold and min_std > 0, warmup >= 0");
  }
  const auto n = static_cast<size_t>(width) * height;
  mean_.resize(n);
  var_.assign(n, options.min_std * options.min_std);
  luma_.resize(n);
  chroma_.resize(2 * n);
  chroma_mean_.resize(2 * n);
  chroma_var_.assign(n, options.min_std * options.min_std);
  mask_.assign(n, 0);
}

const std::vector<uint8_t>& BackgroundModel::apply(const uint8_t* rgb) {
  const size_t n = luma_.size();
  for (size_t i = 0; i < n; ++i) {
    const float y = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
    luma_[i] = y;
    chroma_[2 * i] = rgb[3 * i + 2] - y;  // B - Y
    chroma_[2 * i + 1] = rgb[3 * i] - y;  // R - Y
  }
  if (frames_++ == 0) {
    mean_ = luma_;
    chroma_mean_ = chroma_;
    std::fill(mask_.begin(), mask_.end(), 0);
    return mask_;
  }
  // The frame's lighting change: the median difference from the background (1-level bins).
  std::array<int64_t, 511> histogram{};
  for (size_t i = 0; i < n; ++i) ++histogram[static_cast<size_t>(std::clamp(std::lround(luma_[i] - mean_[i]), -255L, 255L) + 255)];
  int64_t seen = 0;
  float shift = 0;
  for (size_t b = 0; b < histogram.size(); ++b) {
    seen += histogram[b];
    if (2 * seen >= static_cast<int64_t>(n)) {
      shift = static_cast<float>(b) - 255.0f;
      break;
    }
  }
  shift_ = shift;
  const bool learning = frames_ <= o_.warmup;
  const float floor = o_.min_std * o_.min_std, k2 = o_.threshold * o_.threshold;
  for (size_t i = 0; i < n; ++i) {
    const float d = luma_[i] - shift - mean_[i];
    const float du = chroma_[2 * i] - chroma_mean_[2 * i], dv = chroma_[2 * i + 1] - chroma_mean_[2 * i + 1];
    const float dc = 0.5f * (du * du + dv * dv);
    const bool fg = !learning && (d * d > k2 * std::max(var_[i], floor) || dc > k2 * std::max(chroma_var_[i], floor));
    mask_[i] = fg ? 1 : 0;
    // The whole background moves with the lighting; the pixel's own deviation at the rate.
    const float rate = learning ? 1.0f / static_cast<float>(frames_) : (fg ? o_.rate * 0.1f : o_.rate);
    mean_[i] += shift + rate * d;
    var_[i] += rate * (d * d - var_[i]);
    chroma_mean_[2 * i] += rate * du;
    chroma_mean_[2 * i + 1] += rate * dv;
    chroma_var_[i] += rate * (dc - chroma_var_[i]);
  }
  morph(mask_, scratch_, w_, h_, 9);   // opening: erode ...
  morph(scratch_, mask_, w_, h_, 1);   // ... then dilate
  morph(mask_, scratch_, w_, h_, 1);   // closing: dilate ...
  morph(scratch_, mask_, w_, h_, 9);   // ... then erode
  return mask_;
}

void BackgroundModel::absorb(const Box& box) {
  const int x0 = std::clamp(static_cast<int>(std::floor(box.x)), 0, w_), x1 = std::clamp(static_cast<int>(std::ceil(box.x + box.w)), 0, w_);
  const int y0 = std::clamp(static_cast<int>(std::floor(box.y)), 0, h_), y1 = std::clamp(static_cast<int>(std::ceil(box.y + box.h)), 0, h_);
  const float floor = o_.min_std * o_.min_std;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const size_t i = static_cast<size_t>(y) * w_ + x;
      mean_[i] = luma_[i] - shift_;
      var_[i] = floor;
      chroma_mean_[2 * i] = chroma_[2 * i];
      chroma_mean_[2 * i + 1] = chroma_[2 * i + 1];
      chroma_var_[i] = floor;
    }
  }
}

std::vector<Box> blobs(const std::vector<uint8_t>& mask, int width, int height, int min_area) {
  std::vector<int32_t> label(mask.size(), -1);
  std::vector<int32_t> stack;
  std::vector<Box> out;
  for (int y0 = 0; y0 < height; ++y0) {
    for (int x0 = 0; x0 < width; ++x0) {
      const size_t start = static_cast<size_t>(y0) * width + x0;
      if (!mask[start] || label[start] >= 0) continue;
      int minx = x0, maxx = x0, miny = y0, maxy = y0, count = 0;
      label[start] = static_cast<int32_t>(out.size());
      stack.assign(1, static_cast<int32_t>(start));
      while (!stack.empty()) {
        const int32_t p = stack.back();
        stack.pop_back();
        ++count;
        const int x = p % width, y = p / width;
        minx = std::min(minx, x), maxx = std::max(maxx, x), miny = std::min(miny, y), maxy = std::max(maxy, y);
        for (int dy = -1; dy <= 1; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            const int xx = x + dx, yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
            const size_t q = static_cast<size_t>(yy) * width + xx;
            if (mask[q] && label[q] < 0) {
              label[q] = label[start];
              stack.push_back(static_cast<int32_t>(q));
            }
          }
        }
      }
      if (count >= min_area) {
        out.push_back({static_cast<float>(minx), static_cast<float>(miny), static_cast<float>(maxx - minx + 1),
                       static_cast<float>(maxy - miny + 1)});
      }
    }
  }
  return out;
}

}  // namespace vidrep::track
