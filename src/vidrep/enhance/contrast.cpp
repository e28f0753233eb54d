#include "vidrep/enhance/contrast.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace vidrep::enhance {
namespace {

constexpr double kSceneChange = 1.0;  // histogram L1 distance (0..2) that starts a new average
constexpr double kGlobalClip = 4.0;   // global equalisation's clip limit: a flat picture stays itself

}  // namespace

ContrastMode parse_contrast_mode(const std::string& name) {
  if (name == "equalize") return ContrastMode::Equalize;
  if (name == "clahe") return ContrastMode::Clahe;
  if (name == "none" || name.empty()) return ContrastMode::None;
  throw InvalidArgument(fmt::format("contrast: '{}': expected equalize, clahe or none", name));
}

ContrastEnhancer::ContrastEnhancer(const ContrastOptions& o) : options_(o) {
  if (!(o.memory >= 0 && o.memory < 1) || o.tiles < 1 || o.tiles > 64 || !(o.clip >= 1) || o.low < 0 || o.high > 255 ||
      o.low >= o.high) {
    throw InvalidArgument("contrast: memory in [0, 1), tiles 1..64, clip >= 1, 0 <= low < high <= 255");
  }
}

void ContrastEnhancer::average(std::vector<Histogram>& now) {
  if (average_.size() != now.size()) {
    average_ = now;
    return;
  }
  // A new scene (the picture's histogram far from the average: half its mass elsewhere) starts
  // afresh: its own mapping at once, not a drift from the last scene's over many frames.
  double moved = 0, total = 0;
  for (size_t t = 0; t < now.size(); ++t) {
    for (size_t i = 0; i < 256; ++i) {
      moved += std::abs(now[t][i] - average_[t][i]);
      total += now[t][i];
    }
  }
  if (total > 0 && moved > kSceneChange * total) {
    average_ = now;
    return;
  }
  const double m = options_.memory;
  for (size_t t = 0; t < now.size(); ++t) {
    for (size_t i = 0; i < 256; ++i) average_[t][i] = m * average_[t][i] + (1 - m) * now[t][i];
  }
}

ContrastEnhancer::Lut ContrastEnhancer::mapping(const Histogram& hist, double clip) const {
  Histogram h = hist;
  double total = 0;
  for (double v : h) total += v;
  Lut lut{};
  if (total <= 0) {
    for (int i = 0; i < 256; ++i) lut[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
    return lut;
  }
  {  // clip each bin at `clip` x the mean and spread the excess over all bins
    const double cap = clip * total / 256;
    double excess = 0;
    for (double& v : h) {
      if (v > cap) {
        excess += v - cap;
        v = cap;
      }
    }
    for (double& v : h) v += excess / 256;
  }
  double cdf = 0;
  const double lo = options_.low, span = options_.high - options_.low;
  for (size_t i = 0; i < 256; ++i) {
    cdf += h[i];
    // The middle of bin i's share of the cumulative count: a flat histogram maps to itself.
    const double level = (cdf - h[i] / 2) / total;
    lut[i] = static_cast<uint8_t>(std::clamp(std::lround(lo + span * level), 0L, 255L));
  }
  return lut;
}

void ContrastEnhancer::apply(Plane& luma) {
  if (options_.mode == ContrastMode::None) return;
  const int w = luma.width(), h = luma.height();
  if (w != width_ || h != height_) average_.clear();  // a new size starts afresh
  width_ = w;
  height_ = h;
  const int tiles = options_.mode == ContrastMode::Clahe ? std::min({options_.tiles, w, h}) : 1;
  std::vector<Histogram> now(static_cast<size_t>(tiles * tiles), Histogram{});
  for (int y = 0; y < h; ++y) {
    const uint8_t* r = luma.row(y);
    Histogram* row_tiles = &now[static_cast<size_t>((y * tiles / h) * tiles)];
    for (int x = 0; x < w; ++x) row_tiles[x * tiles / w][r[x]] += 1;
  }
  average(now);
  std::vector<Lut> luts;
  const double clip = options_.mode == ContrastMode::Clahe ? options_.clip : kGlobalClip;
  for (const Histogram& hist : average_) luts.push_back(mapping(hist, clip));
  if (tiles == 1) {
    for (int y = 0; y < h; ++y) {
      uint8_t* r = luma.row(y);
      for (int x = 0; x < w; ++x) r[x] = luts[0][r[x]];
    }
  } else {
    // Bilinear interpolation between the mappings of the four nearest tile centres.
    std::vector<int> x0(static_cast<size_t>(w));
    std::vector<float> fx(static_cast<size_t>(w));
    for (int x = 0; x < w; ++x) {
      const double t = std::clamp((x + 0.5) * tiles / w - 0.5, 0.0, tiles - 1.0);
      x0[static_cast<size_t>(x)] = std::min(static_cast<int>(t), tiles - 2);
      fx[static_cast<size_t>(x)] = static_cast<float>(t - x0[static_cast<size_t>(x)]);
    }
    for (int y = 0; y < h; ++y) {
      const double t = std::clamp((y + 0.5) * tiles / h - 0.5, 0.0, tiles - 1.0);
      const int y0 = std::min(static_cast<int>(t), tiles - 2);
      const auto fy = static_cast<float>(t - y0);
      uint8_t* r = luma.row(y);
      for (int x = 0; x < w; ++x) {
        const auto i = static_cast<size_t>(x);
        const Lut& a = luts[static_cast<size_t>(y0 * tiles + x0[i])];
        const Lut& b = luts[static_cast<size_t>(y0 * tiles + x0[i] + 1)];
        const Lut& c = luts[static_cast<size_t>((y0 + 1) * tiles + x0[i])];
        const Lut& d = luts[static_cast<size_t>((y0 + 1) * tiles + x0[i] + 1)];
        const uint8_t v = r[x];
        const float top = a[v] + fx[i] * (b[v] - a[v]), bottom = c[v] + fx[i] * (d[v] - c[v]);
        r[x] = static_cast<uint8_t>(std::lround(top + fy * (bottom - top)));
      }
    }
  }
  luma.extend_edges();
}

void sharpen(Plane& luma, double amount) {
  if (amount <= 0) return;
  const int w = luma.width(), h = luma.height();
  if (luma.border() < 1) throw InvalidArgument("sharpen: the plane needs a border of 1 pixel");
  std::vector<uint8_t> out(static_cast<size_t>(w) * static_cast<size_t>(h));
  const auto a = static_cast<float>(amount);
  for (int y = 0; y < h; ++y) {
    const uint8_t *p = luma.row(y - 1), *c = luma.row(y), *n = luma.row(y + 1);
    uint8_t* o = out.data() + static_cast<size_t>(y) * static_cast<size_t>(w);
    for (int x = 0; x < w; ++x) {
      const int blur16 = p[x - 1] + 2 * p[x] + p[x + 1] + 2 * (c[x - 1] + 2 * c[x] + c[x + 1]) + n[x - 1] + 2 * n[x] + n[x + 1];
      const float v = c[x] + a * (c[x] - blur16 / 16.0f);
      o[x] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
    }
  }
  for (int y = 0; y < h; ++y) std::copy_n(out.data() + static_cast<size_t>(y) * static_cast<size_t>(w), w, luma.row(y));
  luma.extend_edges();
}

}  // namespace vidrep::enhance
