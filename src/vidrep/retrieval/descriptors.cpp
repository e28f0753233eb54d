#include "vidrep/retrieval/descriptors.h"

#include "vidrep/error.h"
#include "vidrep/features/feature_extractor.h"
#include "vidrep/io/npz.h"
#include "vidrep/sample/frame_stream.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vidrep::retrieval {

namespace {

const std::vector<features::FeatureKind> kDefaultKinds = {features::FeatureKind::ColorHist,
                                                          features::FeatureKind::ColorMoments,
                                                          features::FeatureKind::Lbp, features::FeatureKind::Edges};

// Each feature group square-rooted (signed: colour moments' third moment may be negative) and
// scaled to unit norm, so that no group outweighs another by its size or scale; then the whole
// row to unit norm.
void normalise_row(float* row, const std::vector<features::FeatureGroup>& groups) {
  for (const auto& g : groups) {
    float* x = row + g.offset;
    double norm = 0;
    for (int64_t i = 0; i < g.length; ++i) {
      x[i] = std::copysign(std::sqrt(std::abs(x[i])), x[i]);
      norm += double(x[i]) * x[i];
    }
    const double scale = norm > 0 ? 1.0 / std::sqrt(norm * static_cast<double>(groups.size())) : 0.0;
    for (int64_t i = 0; i < g.length; ++i) x[i] = static_cast<float>(x[i] * scale);
  }
}

features::FeatureExtractor feature_extractor(const EmbedConfig& config) {
  if (config.method != EmbedMethod::Features) {
    throw InvalidArgument(fmt::format("--method {}: not a handcrafted method", config.method_text()));
  }
  return features::FeatureExtractor(
      {.kinds = config.kinds.empty() ? kDefaultKinds : features::parse_feature_kinds(config.kinds), .threads = config.threads});
}

// The handcrafted method: the frames of each window, described together.
class FeatureEmbedding : public DescriptorExtractor {
 public:
  explicit FeatureEmbedding(const EmbedConfig& config) : config_(config), windows_(config) {}

  const EmbedConfig& config() const override { return config_; }
  int64_t dim() const override { return windows_.dim(); }

  VideoDescriptors embed(const std::string& path) const override {
    FrameStream stream(path, {.reader = {.width = kFeatureSize, .height = kFeatureSize, .threads = config_.threads},
                              .fps = kFeatureFrames * config_.per_second,
                              .batch = kFeatureFrames * 16});
    VideoDescriptors out;
    out.path = path;
    out.duration = stream.reader().duration();
    const int64_t frame_bytes = int64_t{kFeatureSize} * kFeatureSize * 3;
    std::vector<uint8_t> pending;  // frames of windows not yet described, in order
    std::vector<float> rows;
    int64_t given = 0;             // ticks so far
    const auto describe = [&](int64_t windows, int64_t frames_each) {
      if (windows == 0) return;
      // A view of `pending`, which outlives it.
      const Array clips = Array::wrap(DType::UInt8, {windows, frames_each, kFeatureSize, kFeatureSize, 3},
                                      pending.data(), std::shared_ptr<const void>(pending.data(), [](const void*) {}));
      const Array d = windows_.describe(clips);
      rows.insert(rows.end(), d.data<float>(), d.data<float>() + d.numel());
      pending.erase(pending.begin(), pending.begin() + windows * frames_each * frame_bytes);
    };
    while (auto batch = stream.next()) {
      const int64_t n = batch->frames.size(0);
      pending.insert(pending.end(), batch->frames.data<uint8_t>(), batch->frames.data<uint8_t>() + n * frame_bytes);
      given += n;
      describe(static_cast<int64_t>(pending.size()) / (frame_bytes * kFeatureFrames), kFeatureFrames);
    }
    // The last window may hold fewer frames: the end of the video.
    describe(pending.empty() ? 0 : 1, static_cast<int64_t>(pending.size()) / frame_bytes);
    const int64_t count = (given + kFeatureFrames - 1) / kFeatureFrames;
    out.features = Array(DType::Float32, {count, dim()});
    std::memcpy(out.features.data<float>(), rows.data(), rows.size() * sizeof(float));
    for (int64_t w = 0; w < count; ++w) {
      out.start.push_back(static_cast<double>(w) / config_.per_second);
      out.end.push_back(std::min(out.duration, static_cast<double>(w + 1) / config_.per_second));
    }
    return out;
  }

 private:
  EmbedConfig config_;
  FeatureWindows windows_;
};

}  // namespace

FeatureWindows::FeatureWindows(const EmbedConfig& config) : extractor_(feature_extractor(config)) {}

Array FeatureWindows::describe(const Array& windows) const {
  Array d = extractor_.extract_batch(windows);
  for (int64_t k = 0; k < d.size(0); ++k) normalise_row(d.data<float>() + k * dim(), extractor_.layout());
  return d;
}

EmbedConfig EmbedConfig::parse(const std::string& method, double per_second) {
  if (!(per_second > 0) || per_second > 30) {
    throw InvalidArgument(fmt::format("--per-second {}: expected a rate in (0, 30]", per_second));
  }
  EmbedConfig c;
  c.per_second = per_second;
  const auto colon = method.find(':');
  const std::string head = method.substr(0, colon), tail = colon == std::string::npos ? "" : method.substr(colon + 1);
  if (head == "features") {
    c.method = EmbedMethod::Features;
    c.kinds = tail;
    if (!tail.empty()) {
      for (auto kind : features::parse_feature_kinds(tail)) {
        if (kind == features::FeatureKind::Motion) {
          throw InvalidArgument(fmt::format("--method {}: motion is not a retrieval feature (it changes with speed)",
                                            method));
        }
      }
    }
  } else if ((head == "run" || head == "ae") && !tail.empty()) {
    c.method = head == "run" ? EmbedMethod::Run : EmbedMethod::Autoencoder;
    c.run_dir = tail;
  } else {
    throw InvalidArgument(fmt::format("--method {}: expected features[:KINDS], run:DIR or ae:DIR", method));
  }
  return c;
}

std::string EmbedConfig::method_text() const {
  switch (method) {
    case EmbedMethod::Features: return kinds.empty() ? "features" : "features:" + kinds;
    case EmbedMethod::Run: return "run:" + run_dir;
    case EmbedMethod::Autoencoder: return "ae:" + run_dir;
  }
  return "";
}

nlohmann::json EmbedConfig::to_json() const {
  return {{"method", method_text()}, {"per_second", per_second}};
}

EmbedConfig EmbedConfig::from_json(const nlohmann::json& j) {
  try {
    return parse(j.at("method").get<std::string>(), j.at("per_second").get<double>());
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("embedding config: {}", e.what()));
  }
}

std::unique_ptr<DescriptorExtractor> make_feature_extractor(const EmbedConfig& config) {
  return std::make_unique<FeatureEmbedding>(config);
}

void save_vsc_descriptors(const std::string& path, const std::vector<VideoDescriptors>& videos) {
  int64_t rows = 0, dim = -1;
  for (const auto& v : videos) {
    rows += v.rows();
    if (dim >= 0 && v.features.size(1) != dim) {
      throw InvalidArgument(fmt::format("{}: descriptors of {} values, the others have {}", v.path,
                                        v.features.size(1), dim));
    }
    dim = v.features.size(1);
  }
  Array timestamps(DType::Float32, {rows, 2}), features(DType::Float32, {rows, std::max<int64_t>(dim, 0)});
  std::vector<std::string> ids;
  int64_t r = 0;
  for (const auto& v : videos) {
    std::memcpy(features.data<float>() + r * dim, v.features.data<float>(), v.features.nbytes());
    for (int64_t i = 0; i < v.rows(); ++i, ++r) {
      timestamps.data<float>()[2 * r] = static_cast<float>(v.start[i]);
      timestamps.data<float>()[2 * r + 1] = static_cast<float>(v.end[i]);
      ids.push_back(v.path);
    }
  }
  io::save_npz(path, {{"timestamps", timestamps}, {"features", features}}, {{"video_ids", ids}}, {});
}

}  // namespace vidrep::retrieval
