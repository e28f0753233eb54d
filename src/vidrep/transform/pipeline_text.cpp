// Pipeline's text and JSON forms: parsing and writing them, without LibTorch (only tensor types)
// so that the fuzzer runs exactly this code; applying a pipeline is in pipeline.cpp.
#include "vidrep/transform/pipeline.h"

#include "vidrep/error.h"
#include "vidrep/transform/steps.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>
#include <sstream>

namespace vidrep::transform {

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string item_text(const std::string& name, const std::string& value, bool has_value) {
  return has_value ? name + "=" + value : name;
}

// Step functions prefix their messages with their own name ("center_crop: crop ..."); inside a
// pipeline the item already says which step it was.
std::string without_op_prefix(const std::string& message) {
  size_t i = 0;
  while (i < message.size() && (std::islower(static_cast<unsigned char>(message[i])) || message[i] == '_')) ++i;
  if (i > 0 && message.compare(i, 2, ": ") == 0) return message.substr(i + 2);
  return message;
}

}  // namespace

namespace detail {

void item_error(const std::string& origin, size_t index, const std::string& text, const std::string& reason) {
  throw InvalidArgument(fmt::format("{} item {} '{}': {}", origin, index + 1, text, without_op_prefix(reason)));
}

}  // namespace detail

using detail::item_error;

void Pipeline::add(PipelineItem item, std::string written, detail::ParsedStep step) {
  items_.push_back(std::move(item));
  written_.push_back(std::move(written));
  steps_.push_back(std::move(step));
}

Pipeline Pipeline::parse(const std::string& text, const std::string& origin) {
  Pipeline p;
  p.origin_ = origin;
  if (trim(text).empty()) {
    throw InvalidArgument(fmt::format("{}: expected NAME[=VALUE] items separated by ',', got '{}'", origin, text));
  }
  std::vector<std::string> items;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) items.push_back(trim(item));
  if (text.back() == ',') items.emplace_back();
  for (size_t i = 0; i < items.size(); ++i) {
    const auto eq = items[i].find('=');
    const bool has_value = eq != std::string::npos;
    const std::string name = trim(items[i].substr(0, eq));
    const std::string value = has_value ? trim(items[i].substr(eq + 1)) : "";
    if (name.empty()) item_error(origin, i, items[i], "expected NAME[=VALUE]");
    try {
      detail::ParsedStep step = detail::parse_step(name, value, has_value);
      PipelineItem item{name, step.value};
      p.add(std::move(item), items[i], std::move(step));
    } catch (const InvalidArgument& e) {
      item_error(origin, i, items[i], e.what());
    }
  }
  return p;
}

Pipeline Pipeline::from_json(const std::string& json_text, const std::string& origin) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
    throw InvalidArgument(fmt::format("{}: not valid JSON: {}", origin, e.what()));
  }
  if (!j.is_array() || j.empty()) {
    throw InvalidArgument(fmt::format("{}: expected a non-empty list of {{\"name\": ..., \"value\": ...}}, got {}",
                                      origin, j.dump()));
  }
  Pipeline p;
  p.origin_ = origin;
  for (size_t i = 0; i < j.size(); ++i) {
    const nlohmann::json& e = j[i];
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) {
      item_error(origin, i, e.dump(), "expected an object with a string \"name\"");
    }
    const std::string name = e["name"].get<std::string>();
    const bool has_value = e.contains("value") && !e["value"].is_null();
    std::string value;
    if (has_value) {
      const nlohmann::json& v = e["value"];
      if (v.is_string()) {
        value = v.get<std::string>();
      } else if (v.is_number()) {
        value = v.dump();
      } else {
        item_error(origin, i, e.dump(), "expected \"value\" to be a number or a string");
      }
    }
    try {
      detail::ParsedStep step = detail::parse_step(name, value, has_value);
      PipelineItem item{name, step.value};
      p.add(std::move(item), item_text(name, value, has_value), std::move(step));
    } catch (const InvalidArgument& err) {
      item_error(origin, i, item_text(name, value, has_value), err.what());
    }
  }
  return p;
}

Pipeline Pipeline::load_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw OpenError(fmt::format("{}: cannot read the transform file", path));
  std::stringstream text;
  text << in.rdbuf();
  return from_json(text.str(), path);
}

std::string Pipeline::to_string() const {
  std::string out;
  for (const PipelineItem& item : items_) {
    if (!out.empty()) out += ',';
    out += item_text(item.name, item.value, !item.value.empty());
  }
  return out;
}

std::string Pipeline::to_json() const {
  nlohmann::json j = nlohmann::json::array();
  for (const PipelineItem& item : items_) {
    nlohmann::json e = {{"name", item.name}};
    if (!item.value.empty()) e["value"] = item.value;
    j.push_back(e);
  }
  return j.dump();
}

}  // namespace vidrep::transform
