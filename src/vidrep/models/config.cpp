#include "vidrep/models/config.h"

#include "vidrep/config_json.h"
#include "vidrep/error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <vector>

namespace vidrep {
namespace {

constexpr const char* kWhat = "model config";

template <typename T>
void read(const nlohmann::json& j, const char* key, T& field) {
  read_key(j, kWhat, key, field);
}

void require(bool ok, const char* key, const std::string& why) { require_key(ok, kWhat, key, why); }

void require_one_of(const std::string& value, const char* key, const std::vector<std::string>& allowed) {
  require(std::find(allowed.begin(), allowed.end(), value) != allowed.end(), key,
          fmt::format("'{}' is not one of {}", value, fmt::join(allowed, ", ")));
}

void require_positive(int64_t value, const char* key) {
  require(value >= 1, key, fmt::format("must be >= 1, got {}", value));
}

}  // namespace

void to_json(nlohmann::json& j, const ModelConfig& c) {
  j = nlohmann::json{{"arch", c.arch},
                     {"modality", c.modality},
                     {"fusion", c.fusion},
                     {"num_classes", c.num_classes},
                     {"multi_label", c.multi_label},
                     {"in_channels", c.in_channels},
                     {"frames", c.frames},
                     {"height", c.height},
                     {"width", c.width},
                     {"mel_frames", c.mel_frames},
                     {"mel_bins", c.mel_bins},
                     {"channels", c.channels},
                     {"frame_pool", c.frame_pool},
                     {"frame_diff", c.frame_diff},
                     {"hidden", c.hidden},
                     {"rnn", c.rnn},
                     {"embed_dim", c.embed_dim},
                     {"dropout", c.dropout},
                     {"patch_t", c.patch_t},
                     {"patch_h", c.patch_h},
                     {"patch_w", c.patch_w},
                     {"depth", c.depth},
                     {"heads", c.heads},
                     {"positions", c.positions},
                     {"pooling", c.pooling}};
}

void from_json(const nlohmann::json& j, ModelConfig& c) {
  if (!j.is_object()) throw ConfigError(fmt::format("model config: expected a JSON object, got {}", j.dump()));
  static const std::set<std::string> keys = {
      "arch",      "modality",   "fusion",     "num_classes", "multi_label", "in_channels", "frames",    "height", "width",
      "mel_frames", "mel_bins", "channels",   "frame_pool",  "frame_diff",  "hidden",    "rnn",    "embed_dim",
      "dropout",   "patch_t",    "patch_h",    "patch_w",     "depth",       "heads",     "positions", "pooling"};
  for (const auto& [key, value] : j.items())
    if (!keys.count(key))
      throw ConfigError(fmt::format("model config: unknown key '{}' (known: {})", key, fmt::join(keys, ", ")));
  read(j, "arch", c.arch);
  read(j, "modality", c.modality);
  read(j, "fusion", c.fusion);
  read(j, "num_classes", c.num_classes);
  read(j, "multi_label", c.multi_label);
  read(j, "in_channels", c.in_channels);
  read(j, "frames", c.frames);
  read(j, "height", c.height);
  read(j, "width", c.width);
  read(j, "mel_frames", c.mel_frames);
  read(j, "mel_bins", c.mel_bins);
  read(j, "channels", c.channels);
  read(j, "frame_pool", c.frame_pool);
  read(j, "frame_diff", c.frame_diff);
  read(j, "hidden", c.hidden);
  read(j, "rnn", c.rnn);
  read(j, "embed_dim", c.embed_dim);
  read(j, "dropout", c.dropout);
  read(j, "patch_t", c.patch_t);
  read(j, "patch_h", c.patch_h);
  read(j, "patch_w", c.patch_w);
  read(j, "depth", c.depth);
  read(j, "heads", c.heads);
  read(j, "positions", c.positions);
  read(j, "pooling", c.pooling);
}

void validate(const ModelConfig& c) {
  require_one_of(c.arch, "arch", {"frame2d", "cnn_lstm", "c3d", "vit"});
  require_one_of(c.modality, "modality", {"video", "audio", "av"});
  require_one_of(c.fusion, "fusion", {"concat", "mean", "gated", "attention"});
  require_one_of(c.rnn, "rnn", {"gru", "lstm"});
  require_one_of(c.positions, "positions", {"learned", "sinusoidal"});
  require_one_of(c.pooling, "pooling", {"mean", "stpp"});
  require(c.num_classes >= 1, "num_classes", fmt::format("must be >= 1, got {}", c.num_classes));
  require_positive(c.in_channels, "in_channels");
  require_positive(c.frames, "frames");
  require_positive(c.height, "height");
  require_positive(c.width, "width");
  require_positive(c.mel_frames, "mel_frames");
  require_positive(c.mel_bins, "mel_bins");
  require_positive(c.channels, "channels");
  require_positive(c.frame_pool, "frame_pool");
  require_positive(c.hidden, "hidden");
  require_positive(c.embed_dim, "embed_dim");
  require(c.dropout >= 0 && c.dropout < 1, "dropout", fmt::format("must be in [0,1), got {}", c.dropout));
  require_positive(c.patch_t, "patch_t");
  require_positive(c.patch_h, "patch_h");
  require_positive(c.patch_w, "patch_w");
  require_positive(c.depth, "depth");
  require_positive(c.heads, "heads");

  const bool uses_video = c.modality != "audio";
  const bool uses_attention = (uses_video && c.arch == "vit") || (c.modality == "av" && c.fusion == "attention");
  if (uses_attention)
    require(c.hidden % c.heads == 0, "heads",
            fmt::format("hidden {} is not a multiple of heads {}", c.hidden, c.heads));
  if (uses_video && c.arch == "vit") {
    require(c.frames % c.patch_t == 0, "patch_t",
            fmt::format("frames {} is not a multiple of patch_t {}", c.frames, c.patch_t));
    require(c.height % c.patch_h == 0, "patch_h",
            fmt::format("height {} is not a multiple of patch_h {}", c.height, c.patch_h));
    require(c.width % c.patch_w == 0, "patch_w",
            fmt::format("width {} is not a multiple of patch_w {}", c.width, c.patch_w));
  }
}

}  // namespace vidrep
