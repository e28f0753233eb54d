#include "vidrep/models/autoencoder_config.h"

#include "vidrep/config_json.h"
#include "vidrep/error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

namespace vidrep {
namespace {

constexpr const char* kWhat = "autoencoder config";

template <typename T>
void read(const nlohmann::json& j, const char* key, T& field) {
  read_key(j, kWhat, key, field);
}

void require(bool ok, const char* key, const std::string& why) { require_key(ok, kWhat, key, why); }

bool power_of_two(int64_t v) { return v >= 1 && v <= 64 && (v & (v - 1)) == 0; }

int64_t log2_of(int64_t v) {
  int64_t n = 0;
  while ((int64_t{1} << n) < v) ++n;
  return n;
}

}  // namespace

std::array<int64_t, 3> AutoencoderConfig::latent_shape(std::array<int64_t, 3> clip) const {
  const auto [T, H, W] = clip;
  if (T < 1 || (T - 1) % compress_t != 0) {
    const int64_t below = 1 + std::max<int64_t>(0, (T - 1) / compress_t) * compress_t;
    throw InvalidArgument(fmt::format(
        "frames {}: an autoencoder with time compression {} takes 1 + {}k frames ({} or {})", T, compress_t,
        compress_t, below, below + compress_t));
  }
  if (H < 1 || W < 1 || H % compress_h != 0 || W % compress_w != 0)
    throw InvalidArgument(fmt::format("size {}x{}: an autoencoder with compression {}x{}x{} takes widths that are "
                                      "multiples of {} and heights that are multiples of {} (resize with --size WxH)",
                                      W, H, compress_t, compress_h, compress_w, compress_w, compress_h));
  return {1 + (T - 1) / compress_t, H / compress_h, W / compress_w};
}

std::array<int64_t, 3> AutoencoderConfig::latent_shape(std::array<int64_t, 3> clip, const std::string& where) const {
  try {
    return latent_shape(clip);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("{}: {}", where, e.what()));
  }
}

std::array<int64_t, 3> AutoencoderConfig::clip_shape(std::array<int64_t, 3> latent) const {
  return {1 + (latent[0] - 1) * compress_t, latent[1] * compress_h, latent[2] * compress_w};
}

std::array<int64_t, 3> AutoencoderConfig::halvings() const {
  return {log2_of(compress_t), log2_of(compress_h / patch), log2_of(compress_w / patch)};
}

int64_t AutoencoderConfig::stages() const {
  const auto h = halvings();
  return std::max({h[0], h[1], h[2]});
}

void to_json(nlohmann::json& j, const AutoencoderConfig& c) {
  j = nlohmann::json{{"compress_t", c.compress_t},
                     {"compress_h", c.compress_h},
                     {"compress_w", c.compress_w},
                     {"latent_channels", c.latent_channels},
                     {"patch", c.patch},
                     {"channels", c.channels},
                     {"max_channels", c.max_channels},
                     {"res_blocks", c.res_blocks},
                     {"kl_weight", c.kl_weight},
                     {"loss", c.loss},
                     {"frames", c.frames},
                     {"height", c.height},
                     {"width", c.width}};
}

void from_json(const nlohmann::json& j, AutoencoderConfig& c) {
  if (!j.is_object()) throw ConfigError(fmt::format("{}: expected a JSON object, got {}", kWhat, j.dump()));
  static const std::set<std::string> keys = {"compress_t", "compress_h", "compress_w", "latent_channels",
                                             "patch",      "channels",   "max_channels", "res_blocks",
                                             "kl_weight",  "loss",       "frames",       "height", "width"};
  for (const auto& [key, value] : j.items())
    if (!keys.count(key))
      throw ConfigError(fmt::format("{}: unknown key '{}' (known: {})", kWhat, key, fmt::join(keys, ", ")));
  read(j, "compress_t", c.compress_t);
  read(j, "compress_h", c.compress_h);
  read(j, "compress_w", c.compress_w);
  read(j, "latent_channels", c.latent_channels);
  read(j, "patch", c.patch);
  read(j, "channels", c.channels);
  read(j, "max_channels", c.max_channels);
  read(j, "res_blocks", c.res_blocks);
  read(j, "kl_weight", c.kl_weight);
  read(j, "loss", c.loss);
  read(j, "frames", c.frames);
  read(j, "height", c.height);
  read(j, "width", c.width);
}

void validate(const AutoencoderConfig& c) {
  for (const auto& [value, key] : {std::pair{c.compress_t, "compress_t"}, std::pair{c.compress_h, "compress_h"},
                                   std::pair{c.compress_w, "compress_w"}})
    require(power_of_two(value), key, fmt::format("must be a power of two from 1 to 64, got {}", value));
  require(power_of_two(c.patch) && c.compress_h % c.patch == 0 && c.compress_w % c.patch == 0, "patch",
          fmt::format("must be a power of two dividing compress_h {} and compress_w {}, got {}", c.compress_h,
                      c.compress_w, c.patch));
  for (const auto& [value, key] :
       {std::pair{c.latent_channels, "latent_channels"}, std::pair{c.channels, "channels"},
        std::pair{c.max_channels, "max_channels"}, std::pair{c.frames, "frames"}, std::pair{c.height, "height"},
        std::pair{c.width, "width"}})
    require(value >= 1, key, fmt::format("must be >= 1, got {}", value));
  require(c.res_blocks >= 0, "res_blocks", fmt::format("must be >= 0, got {}", c.res_blocks));
  require(c.kl_weight >= 0, "kl_weight", fmt::format("must be >= 0, got {}", c.kl_weight));
  require(c.loss == "mse" || c.loss == "l1" || c.loss == "psnr", "loss",
          fmt::format("'{}' is not one of mse, l1, psnr", c.loss));
  require((c.frames - 1) % c.compress_t == 0, "frames",
          fmt::format("{} is not 1 + k * compress_t ({})", c.frames, c.compress_t));
  require(c.height % c.compress_h == 0, "height",
          fmt::format("{} is not a multiple of compress_h {}", c.height, c.compress_h));
  require(c.width % c.compress_w == 0, "width", fmt::format("{} is not a multiple of compress_w {}", c.width, c.compress_w));
}

std::array<int64_t, 3> parse_compression(const std::string& text, const std::string& option) {
  std::array<int64_t, 3> v{};
  char x1 = 0, x2 = 0;
  std::istringstream in(text);
  if (!(in >> v[0] >> x1 >> v[1] >> x2 >> v[2]) || x1 != 'x' || x2 != 'x' || in.peek() != EOF)
    throw InvalidArgument(fmt::format("{}: expected TxHxW such as 4x8x8, got '{}'", option, text));
  for (int64_t f : v)
    if (!power_of_two(f))
      throw InvalidArgument(fmt::format("{}: each factor must be a power of two from 1 to 64, got '{}'", option, text));
  return v;
}

}  // namespace vidrep
