#include "vidrep/describe.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace vidrep {

namespace {

std::string dtype_name(at::ScalarType t) {
  switch (t) {
    case at::kByte: return "uint8";
    case at::kChar: return "int8";
    case at::kShort: return "int16";
    case at::kInt: return "int32";
    case at::kLong: return "int64";
    case at::kHalf: return "float16";
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

}  // namespace

std::string describe(const at::Tensor& x) {
  if (!x.defined()) return "an undefined tensor";
  return fmt::format("[{}] {}", fmt::join(x.sizes(), ","), dtype_name(x.scalar_type()));
}

}  // namespace vidrep
