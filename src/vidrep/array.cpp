#include "vidrep/array.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <limits>
#include <new>

namespace vidrep {

namespace {

// numel of `shape`, checking every size and that the bytes fit in size_t.
int64_t checked_numel(const std::vector<int64_t>& shape, size_t itemsize) {
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) throw InvalidArgument(fmt::format("array: negative size in shape [{}]", fmt::join(shape, ",")));
    if (s != 0 && n > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(itemsize) / s) {
      throw InvalidArgument(fmt::format("array: shape [{}] is too large", fmt::join(shape, ",")));
    }
    n *= s;
  }
  return n;
}

}  // namespace

Array::Array(DType dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  const size_t bytes = static_cast<size_t>(checked_numel(shape_, dtype_size(dtype_))) * dtype_size(dtype_);
  // Plain malloc (16-byte aligned): with the heap kept (runtime.h), aligned_alloc's split blocks
  // are not reused, and a stream of equal buffers (NpyWriter's parts) grew the heap by every one
  // (measured: 69 instead of 36 MB for 1800 frames written in parts of 222). Never 0 bytes, so
  // that data() is never null.
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  data_ = p;
  owner_ = std::shared_ptr<const void>(p, [](const void* q) { std::free(const_cast<void*>(q)); });
}

Array Array::wrap(DType dtype, std::vector<int64_t> shape, void* data, std::shared_ptr<const void> owner) {
  checked_numel(shape, dtype_size(dtype));
  Array a;
  a.dtype_ = dtype;
  a.shape_ = std::move(shape);
  a.data_ = data;
  a.owner_ = std::move(owner);
  return a;
}

int64_t Array::size(int64_t axis) const {
  const int64_t d = dim();
  if (axis < -d || axis >= d) {
    throw InvalidArgument(fmt::format("array: axis {} out of range for {}", axis, describe(*this)));
  }
  return shape_[static_cast<size_t>(axis < 0 ? axis + d : axis)];
}

int64_t Array::numel() const {
  int64_t n = 1;
  for (int64_t s : shape_) n *= s;
  return n;
}

Array Array::reshaped(std::vector<int64_t> shape) const {
  int64_t known = 1, free_axis = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && free_axis < 0) {
      free_axis = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      free_axis = -2;
      break;
    } else {
      known *= shape[i];
    }
  }
  bool ok = free_axis != -2;
  if (ok && free_axis >= 0) {
    ok = known > 0 && numel() % known == 0;
    if (ok) shape[static_cast<size_t>(free_axis)] = numel() / known;
  }
  if (!ok || checked_numel(shape, dtype_size(dtype_)) != numel()) {
    throw InvalidArgument(fmt::format("array: cannot view {} as [{}]", describe(*this), fmt::join(shape, ",")));
  }
  Array a = *this;
  a.shape_ = std::move(shape);
  return a;
}

std::string describe(const Array& x) {
  if (!x.defined()) return "an undefined array";
  return fmt::format("[{}] {}", fmt::join(x.shape(), ","), dtype_name(x.dtype()));
}

}  // namespace vidrep
