// The item table behind Pipeline: each transform's name, the syntax of its value, and the call it
// becomes. Kept apart from pipeline.cpp so adding a transform touches one table.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace vidrep::transform::detail {

// A step runs on a clip with the step's own seed.
using StepFn = std::function<at::Tensor(const at::Tensor&, uint64_t)>;

// What a resize or crop item does, so Pipeline can run "resize, then crop" as one resize_crop.
struct ResizeSpec {
  int64_t width = 0, height = 0;  // resize=WxH
  int64_t short_side = 0;         // resize_short=N (when > 0)
};
struct CropSpec {
  int64_t width = 0, height = 0;
  bool random = false;  // random_crop, else center_crop
};

struct ParsedStep {
  std::string value;  // canonical text of the value; empty for items without one
  StepFn fn;
  std::optional<ResizeSpec> resize = std::nullopt;
  std::optional<CropSpec> crop = std::nullopt;
};

// `value` is the text after '=' (has_value false when the item had no '='). Throws InvalidArgument
// with the reason only; the caller adds which item it was.
ParsedStep parse_step(const std::string& name, const std::string& value, bool has_value);

// Throws InvalidArgument naming item `index` (0-based) of a pipeline from `origin` as the user wrote
// it ("--transform item 2 'center_crop=500': ..."), without the step's own name prefix on `reason`.
[[noreturn]] void item_error(const std::string& origin, size_t index, const std::string& text, const std::string& reason);

}  // namespace vidrep::transform::detail
