#include "vidrep/tensor.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <memory>
#include <utility>

namespace vidrep {

namespace {

constexpr std::pair<at::ScalarType, DType> kTypes[] = {
    {at::kBool, DType::Bool},   {at::kChar, DType::Int8},   {at::kByte, DType::UInt8},
    {at::kShort, DType::Int16}, {at::kInt, DType::Int32},   {at::kLong, DType::Int64},
    {at::kFloat, DType::Float32}, {at::kDouble, DType::Float64},
};

at::ScalarType scalar_type(DType dtype) {
  for (const auto& [scalar, d] : kTypes) {
    if (d == dtype) return scalar;
  }
  return at::kByte;
}

}  // namespace

at::Tensor to_tensor(const Array& array) {
  if (!array.defined()) return {};
  // The deleter holds a reference to the array's buffer until the tensor's storage goes; it owns
  // the reference only once from_blob has returned.
  auto keep = std::make_unique<std::shared_ptr<const void>>(array.owner());
  at::Tensor t = at::from_blob(
      array.bytes(), array.shape(), [raw = keep.get()](void*) { delete raw; },
      at::TensorOptions().dtype(scalar_type(array.dtype())));
  keep.release();
  return t;
}

Array to_array(const at::Tensor& tensor, const std::string& what) {
  if (!tensor.defined()) return {};
  for (const auto& [scalar, dtype] : kTypes) {
    if (scalar != tensor.scalar_type()) continue;
    if (tensor.numel() == 0) return Array(dtype, tensor.sizes().vec());  // has no data pointer
    auto t = std::make_shared<at::Tensor>(tensor.cpu().contiguous());
    void* data = t->data_ptr();
    return Array::wrap(dtype, t->sizes().vec(), data, std::shared_ptr<const void>(t, data));
  }
  throw InvalidArgument(fmt::format("{}: {} has no .npy dtype", what, describe(tensor)));
}

}  // namespace vidrep
