// Array: the I/O core's owned, contiguous n-dimensional buffer (bytes, shape, dtype), free of
// LibTorch so that commands without networks start in milliseconds (a process that loads
// libtorch_cpu spends ~0.5 s in its start-up). The readers, the writers and the .npy/.npz files
// speak Array; vidrep/tensor.h wraps one as an at::Tensor without copying.
//
//   vidrep::Array frames(vidrep::DType::UInt8, {16, 112, 112, 3});
//   uint8_t* p = frames.data<uint8_t>();            // malloc-aligned (16 bytes), C order
//   at::Tensor t = vidrep::to_tensor(frames);        // same memory (tensor.h)
//
// Copies share the buffer (like tensors); reshaped() is a view of the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vidrep {

// The element types .npy files and the readers use (NumPy's names in dtype_name()).
enum class DType : uint8_t { Bool, Int8, UInt8, Int16, Int32, Int64, Float32, Float64 };

constexpr size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Int16: return 2;
    case DType::Int32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::Float64: return 8;
    default: return 1;
  }
}

constexpr std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Bool: return "bool";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Int16: return "int16";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "unknown";
}

class Array {
 public:
  Array() = default;  // undefined: no buffer, no shape
  // An uninitialised buffer for `shape` (every size >= 0). Throws InvalidArgument for a negative
  // size or a byte count that overflows.
  Array(DType dtype, std::vector<int64_t> shape);
  // A view of memory someone else owns; `owner` keeps it alive as long as any copy of the Array.
  static Array wrap(DType dtype, std::vector<int64_t> shape, void* data, std::shared_ptr<const void> owner);

  // --- metadata ---
  bool defined() const { return owner_ != nullptr; }
  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t axis) const;  // negative counts from the end
  int64_t numel() const;
  size_t nbytes() const { return numel() * dtype_size(dtype_); }
  const std::shared_ptr<const void>& owner() const { return owner_; }

  // --- data ---
  std::byte* bytes() const { return static_cast<std::byte*>(data_); }
  template <class T>
  T* data() const {
    return static_cast<T*>(data_);
  }
  // The same bytes under another shape with as many elements (one size may be -1). Throws
  // InvalidArgument otherwise.
  Array reshaped(std::vector<int64_t> shape) const;

 private:
  DType dtype_ = DType::UInt8;
  std::vector<int64_t> shape_;
  void* data_ = nullptr;
  std::shared_ptr<const void> owner_;
};

// An array as error messages show it, "[16,112,112,3] uint8" ("an undefined array").
std::string describe(const Array& x);

}  // namespace vidrep
