// Reading option structs from JSON with typed errors: one key at a time, a missing key keeps the
// field's value, a wrong type is a ConfigError naming the config and the key. Shared by the model
// and training configs (and any later option struct users edit as JSON).
#pragma once

#include "vidrep/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>

namespace vidrep {

// `what` names the config in messages ("model config"). nlohmann would convert numbers between
// int and float silently; an integer field must be a JSON integer.
template <typename T>
void read_key(const nlohmann::json& j, const char* what, const char* key, T& field) {
  const auto it = j.find(key);
  if (it == j.end()) return;
  const char* expected = nullptr;
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) expected = "true or false";
  } else if constexpr (std::is_integral_v<T>) {
    if (!it->is_number_integer() || (std::is_unsigned_v<T> && !it->is_number_unsigned())) expected = "an integer";
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!it->is_number()) expected = "a number";
  } else {
    if (!it->is_string()) expected = "a string";
  }
  if (expected) throw ConfigError(fmt::format("{}: key '{}': expected {}, got {}", what, key, expected, it->dump()));
  field = it->get<T>();
}

// ConfigError "<what>: key '<key>': <why>" unless `ok`.
inline void require_key(bool ok, const char* what, const char* key, const std::string& why) {
  if (!ok) throw ConfigError(fmt::format("{}: key '{}': {}", what, key, why));
}

}  // namespace vidrep
