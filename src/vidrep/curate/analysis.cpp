#include "vidrep/curate/analysis.h"

#include "vidrep/retrieval/descriptors.h"
#include "vidrep/sample/frame_stream.h"
#include "vidrep/shots/signature.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vidrep::curate {
namespace {

constexpr int kSide = retrieval::kFeatureSize;  // = the shot detector's default size
constexpr int64_t kFrameBytes = int64_t{kSide} * kSide * 3;
constexpr int64_t kWindowBatch = 16;  // windows described at once

static_assert(kSide == shots::ShotOptions{}.size, "one decode serves shots and descriptors");

// Luma statistics of one frame; `luma` receives its luma plane, `previous` holds the last one.
FrameStats frame_stats(const uint8_t* rgb, std::vector<float>& luma, const std::vector<float>& previous) {
  constexpr int64_t n = int64_t{kSide} * kSide;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = rgb + 3 * i;
    luma[static_cast<size_t>(i)] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    sum += luma[static_cast<size_t>(i)];
  }
  FrameStats s;
  const double mean = sum / n;
  double var = 0, change = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = luma[static_cast<size_t>(i)] - mean;
    var += d * d;
    if (!previous.empty()) change += std::abs(luma[static_cast<size_t>(i)] - previous[static_cast<size_t>(i)]);
  }
  double lsum = 0, lsq = 0;
  for (int r = 1; r < kSide - 1; ++r) {
    for (int c = 1; c < kSide - 1; ++c) {
      const float* y = luma.data() + r * kSide + c;
      const double l = y[-kSide] + y[kSide] + y[-1] + y[1] - 4.0 * y[0];
      lsum += l;
      lsq += l * l;
    }
  }
  constexpr double inner = double{kSide - 2} * (kSide - 2);
  s.brightness = static_cast<float>(mean);
  s.contrast = static_cast<float>(std::sqrt(var / n));
  s.sharpness = static_cast<float>(lsq / inner - (lsum / inner) * (lsum / inner));
  s.motion = static_cast<float>(change / n);
  return s;
}

}  // namespace

VideoAnalysis analyse_video(const std::string& path) {
  FrameStream stream(path, {.reader = {.width = kSide, .height = kSide, .threads = 1, .skip_loop_filter = true}, .batch = 64});
  const VideoReader& reader = stream.reader();
  const double duration = reader.duration();
  // The descriptors' frames: the frame on screen at each tick, kFeatureFrames ticks a second.
  std::vector<int64_t> ticks;
  for (int64_t k = 0;; ++k) {
    const double t = static_cast<double>(k) / retrieval::kFeatureFrames;
    if (t >= duration) break;
    ticks.push_back(std::clamp<int64_t>(reader.frame_at_time(t), 0, reader.num_frames() - 1));
  }
  retrieval::EmbedConfig features;
  features.threads = 1;
  const retrieval::FeatureWindows describer(features);
  VideoAnalysis a;
  std::vector<shots::FrameSignature> signatures;
  std::vector<double> times;
  std::vector<float> luma(static_cast<size_t>(kSide) * kSide), previous;
  std::vector<uint8_t> pending;  // tick frames of windows not yet described
  std::vector<float> rows;
  size_t tick = 0;
  // Whole windows, kWindowBatch at a time; at the end, the rest and a last shorter window.
  const auto describe = [&](bool last) {
    const int64_t window_bytes = kFrameBytes * retrieval::kFeatureFrames;
    const auto run = [&](int64_t windows, int64_t each) {
      const Array batch = Array::wrap(DType::UInt8, {windows, each, kSide, kSide, 3}, pending.data(),
                                      std::shared_ptr<const void>(pending.data(), [](const void*) {}));
      const Array d = describer.describe(batch);
      rows.insert(rows.end(), d.data<float>(), d.data<float>() + d.numel());
      pending.erase(pending.begin(), pending.begin() + windows * each * kFrameBytes);
    };
    const int64_t whole = static_cast<int64_t>(pending.size()) / window_bytes;
    if (whole >= (last ? 1 : kWindowBatch)) run(whole, retrieval::kFeatureFrames);
    if (last && !pending.empty()) run(1, static_cast<int64_t>(pending.size()) / kFrameBytes);
  };
  while (auto batch = stream.next()) {
    const uint8_t* rgb = batch->frames.data<uint8_t>();
    for (size_t i = 0; i < batch->indices.size(); ++i) {
      const uint8_t* frame = rgb + static_cast<int64_t>(i) * kFrameBytes;
      signatures.push_back(shots::frame_signature(frame, kSide, kSide));
      times.push_back(batch->times[i]);
      a.frames.push_back(frame_stats(frame, luma, previous));
      previous.swap(luma);
      luma.resize(previous.size());
      for (; tick < ticks.size() && ticks[tick] == batch->indices[i]; ++tick) pending.insert(pending.end(), frame, frame + kFrameBytes);
    }
    describe(false);
  }
  describe(true);
  a.shots = shots::detect_shots(signatures, times, duration, {.threads = 1});
  a.shots.path = path;
  const int64_t dim = describer.dim(), count = static_cast<int64_t>(rows.size()) / dim;
  a.windows = Array(DType::Float32, {count, dim});
  if (!rows.empty()) std::memcpy(a.windows.data<float>(), rows.data(), rows.size() * sizeof(float));
  return a;
}

ClipScores VideoAnalysis::scores(int64_t first, int64_t last) const {
  ClipScores s;
  const auto n = static_cast<double>(last - first + 1);
  for (int64_t f = first; f <= last; ++f) {
    const FrameStats& x = frames[static_cast<size_t>(f)];
    s.brightness += x.brightness / n;
    s.contrast += x.contrast / n;
    s.sharpness += x.sharpness / n;
    if (f > first) s.motion += x.motion / (n - 1);
  }
  return s;
}

std::vector<float> VideoAnalysis::descriptor(double start, double end) const {
  const int64_t count = windows.shape()[0], dim = windows.shape()[1];
  std::vector<float> v(static_cast<size_t>(dim), 0.0f);
  if (count == 0) return v;
  const auto add = [&](int64_t w) {
    const float* row = windows.data<float>() + w * dim;
    for (int64_t i = 0; i < dim; ++i) v[static_cast<size_t>(i)] += row[i];
  };
  int64_t used = 0;
  for (int64_t w = 0; w < count; ++w) {
    const double middle = static_cast<double>(w) + 0.5;
    if (middle >= start && middle < end) {
      add(w);
      ++used;
    }
  }
  if (used == 0) add(std::clamp<int64_t>(static_cast<int64_t>(std::floor((start + end) / 2)), 0, count - 1));
  double norm = 0;
  for (float x : v) norm += double{x} * x;
  norm = std::sqrt(norm);
  for (float& x : v) x = norm > 0 ? static_cast<float>(x / norm) : 0.0f;
  return v;
}

double VideoAnalysis::bad_fraction(double dark_luma, double flat_std) const {
  if (frames.empty()) return 1.0;
  int64_t bad = 0;
  for (const FrameStats& f : frames) bad += f.brightness <= dark_luma || f.contrast < flat_std;
  return static_cast<double>(bad) / static_cast<double>(frames.size());
}

double VideoAnalysis::mean_motion() const {
  if (frames.size() < 2) return 0;
  double s = 0;
  for (size_t f = 1; f < frames.size(); ++f) s += frames[f].motion;
  return s / static_cast<double>(frames.size() - 1);
}

}  // namespace vidrep::curate
