#include "vidrep/transform/check.h"

#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace vidrep::transform::detail {

namespace {

// NumPy's names, the ones users of the .npy outputs know.
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
  std::string dims;
  for (int64_t d : x.sizes()) {
    if (!dims.empty()) dims += ',';
    dims += std::to_string(d);
  }
  return fmt::format("[{}] {}", dims, dtype_name(x.scalar_type()));
}

void check_clip(const at::Tensor& x, const char* op, Channels channels) {
  const bool rgb = channels == Channels::Rgb;
  const bool ok = x.defined() && x.dim() == 4 && x.numel() > 0 &&
                  (x.scalar_type() == at::kByte || x.scalar_type() == at::kFloat) && (!rgb || x.size(3) == 3);
  if (!ok) {
    throw InvalidArgument(fmt::format("{}: expected a [T,H,W,{}] uint8 or float32 clip, got {}", op,
                                      rgb ? "3" : "C", describe(x)));
  }
}

}  // namespace vidrep::transform::detail
