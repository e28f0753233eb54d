// Fuzz target: bytes as the JSON configs vidrep reads from users and from run folders: a training
// config (with its model and autoencoder parts), a model config, an autoencoder config, a bucket
// table and a zones file (watch's rules, then applied to a few objects). Each either loads (and
// then validates, and round-trips) or says why not.
#include "vidrep/error.h"
#include "vidrep/models/autoencoder_config.h"
#include "vidrep/models/config.h"
#include "vidrep/tokens/bucket_config.h"
#include "vidrep/track/rules.h"
#include "vidrep/train/config.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>

namespace {

template <typename Config>
void load(const nlohmann::json& j) {
  try {
    const Config c = j.get<Config>();
    validate(c);
    const nlohmann::json written = c;
    if (nlohmann::json(written.get<Config>()) != written) std::abort();  // must read back the same
  } catch (const vidrep::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    vidrep::BucketConfig buckets = vidrep::BucketConfig::from_json(text);
    buckets.validate();
    (void)vidrep::BucketConfig::from_json(buckets.to_json());
  } catch (const vidrep::Error&) {
  }
  try {
    vidrep::track::RuleEngine rules(vidrep::track::RuleConfig::from_json(text), 640, 360);
    for (int f = 0; f < 40; ++f) {
      const float x = static_cast<float>(f * 16);
      (void)rules.update(f * 0.04, {{1, {x, 100, 20, 40}}, {2, {600 - x, 200, 30, 30}}});
    }
  } catch (const vidrep::Error&) {
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  load<vidrep::TrainConfig>(j);
  load<vidrep::ModelConfig>(j);
  load<vidrep::AutoencoderConfig>(j);
  return 0;
}
