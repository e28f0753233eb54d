// Array, the I/O core's buffer, and its LibTorch boundary: shapes and views are checked, and
// to_tensor / to_array share memory both ways for every .npy dtype.
#include "vidrep/array.h"

#include "vidrep/error.h"
#include "vidrep/tensor.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstdint>

namespace vidrep {
namespace {

TEST(Array, ShapesViewsAndDescriptions) {
  const Array a(DType::Int16, {2, 3, 4});
  EXPECT_TRUE(a.defined());
  EXPECT_EQ(a.numel(), 24);
  EXPECT_EQ(a.nbytes(), 48u);
  EXPECT_EQ(a.size(-1), 4);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.bytes()) % 16, 0u);
  EXPECT_EQ(describe(a), "[2,3,4] int16");
  EXPECT_EQ(describe(Array()), "an undefined array");
  EXPECT_FALSE(Array().defined());

  const Array v = a.reshaped({6, -1});
  EXPECT_EQ(v.shape(), (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(v.bytes(), a.bytes());  // a view, not a copy
  EXPECT_THROW(a.reshaped({5, -1}), InvalidArgument);
  EXPECT_THROW(a.reshaped({-1, -1}), InvalidArgument);
  EXPECT_THROW(a.reshaped({25}), InvalidArgument);
  EXPECT_THROW(a.size(3), InvalidArgument);
  EXPECT_THROW(Array(DType::UInt8, {-1}), InvalidArgument);
  EXPECT_THROW(Array(DType::Float64, {int64_t{1} << 40, int64_t{1} << 40}), InvalidArgument);

  const Array empty(DType::Float32, {0, 3});
  EXPECT_TRUE(empty.defined());
  EXPECT_NE(empty.bytes(), nullptr);
  EXPECT_EQ(empty.nbytes(), 0u);
}

TEST(Array, TensorsShareItsMemoryBothWays) {
  Array a(DType::UInt8, {2, 2, 3});
  for (int i = 0; i < 12; ++i) a.data<uint8_t>()[i] = static_cast<uint8_t>(i);
  at::Tensor t = to_tensor(a);
  EXPECT_EQ(t.sizes(), (at::IntArrayRef{2, 2, 3}));
  EXPECT_EQ(t.data_ptr(), static_cast<void*>(a.bytes()));
  a = Array();  // the tensor keeps the buffer alive
  EXPECT_EQ(t.sum().item<int64_t>(), 66);

  const at::Tensor f = at::arange(6, at::kFloat).view({2, 3});
  const Array back = to_array(f);
  EXPECT_EQ(static_cast<void*>(back.bytes()), f.data_ptr());  // contiguous: no copy
  const Array transposed = to_array(f.t());                   // not contiguous: C-order copy
  EXPECT_EQ(transposed.shape(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(transposed.data<float>()[1], 3.0f);

  for (const auto type : {at::kBool, at::kChar, at::kByte, at::kShort, at::kInt, at::kLong, at::kFloat, at::kDouble}) {
    const at::Tensor x = at::ones({3, 1}, type);
    EXPECT_TRUE(at::equal(to_tensor(to_array(x)), x)) << type;
    EXPECT_EQ(dtype_size(to_array(x).dtype()), x.element_size()) << type;
  }
  EXPECT_THROW(to_array(at::zeros({1}, at::kHalf)), InvalidArgument);
  EXPECT_FALSE(to_tensor(Array()).defined());
  EXPECT_FALSE(to_array(at::Tensor()).defined());
  EXPECT_EQ(to_array(at::zeros({0, 4})).shape(), (std::vector<int64_t>{0, 4}));
}

}  // namespace
}  // namespace vidrep
