#include "vidrep/features/describe.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace vidrep::features::detail {

namespace {

// NumPy's names, which users of the .npy outputs know, rather than ATen's "Byte" / "Float".
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
    default: return at::toString(t);
  }
}

}  // namespace

std::string describe(const at::Tensor& x) {
  if (!x.defined()) return "none";
  return fmt::format("[{}] {}", fmt::join(x.sizes(), ","), dtype_name(x.scalar_type()));
}

}  // namespace vidrep::features::detail
