// The feature filters (loops over float planes) against ATen as an independent oracle: the
// normalized Gaussian window as two 2-D convolutions (of the image and of its support), the
// pyramid's low-pass as a strided convolution of the replicate-padded image.
#include "vidrep/features/filters.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace vidrep {
namespace {

// [h,w] -> [1,1,h,w] float, for conv2d.
at::Tensor nchw(const at::Tensor& x) { return x.view({1, 1, x.size(0), x.size(1)}); }

TEST(FeaturesFilters, SeparableWindowIsANormalizedConvolution) {
  at::manual_seed(11);
  for (const auto& [h, w, sigma] : {std::tuple{23, 31, 2.0}, std::tuple{5, 3, 2.0}, std::tuple{1, 9, 1.0},
                                    std::tuple{12, 1, 0.7}}) {
    SCOPED_TRACE(testing::Message() << w << "x" << h << " sigma " << sigma);
    const at::Tensor image = at::rand({h, w}, at::kFloat);
    const std::vector<double> k = features::gaussian_kernel(sigma);
    at::Tensor out = at::empty({h, w}, at::kFloat);
    features::filter_separable(image.data_ptr<float>(), out.data_ptr<float>(), h, w, k);

    const at::Tensor k1 = at::tensor(k, at::kDouble);
    const at::Tensor k2 = at::outer(k1, k1).view({1, 1, -1, static_cast<int64_t>(k.size())});
    const int64_t r = static_cast<int64_t>(k.size() / 2);
    const at::Tensor sum = at::conv2d(nchw(image.to(at::kDouble)), k2, {}, 1, r);
    const at::Tensor mass = at::conv2d(nchw(at::ones({h, w}, at::kDouble)), k2, {}, 1, r);
    EXPECT_TRUE(at::allclose(nchw(out).to(at::kDouble), sum / mass, 1e-5, 1e-6));
  }
  // A constant image stays exactly constant, borders included.
  const at::Tensor flat = at::full({9, 14}, 0.3f);
  at::Tensor out = at::empty({9, 14}, at::kFloat);
  features::filter_separable(flat.data_ptr<float>(), out.data_ptr<float>(), 9, 14, features::gaussian_kernel(2.0));
  EXPECT_LT((out - 0.3f).abs().max().item<float>(), 1e-7);
}

TEST(FeaturesFilters, DownsampleIsABinomialLowPassAtHalfPixels) {
  at::manual_seed(12);
  for (const auto& [h, w] : {std::pair{16, 20}, std::pair{17, 9}, std::pair{1, 5}, std::pair{2, 1}}) {
    SCOPED_TRACE(testing::Message() << w << "x" << h);
    const at::Tensor image = at::rand({h, w}, at::kFloat);
    const int64_t ho = (h + 1) / 2, wo = (w + 1) / 2;
    at::Tensor out = at::empty({ho, wo}, at::kFloat);
    features::downsample2(image.data_ptr<float>(), h, w, out.data_ptr<float>());

    // Output i averages inputs 2i-1 .. 2i+2 with [1,3,3,1]/8, edges replicated.
    const at::Tensor iy = at::arange(-1, 2 * ho + 1, at::kLong).clamp(0, h - 1);
    const at::Tensor ix = at::arange(-1, 2 * wo + 1, at::kLong).clamp(0, w - 1);
    const at::Tensor padded = image.to(at::kDouble).index_select(0, iy).index_select(1, ix);
    const at::Tensor c = at::tensor({1.0, 3.0, 3.0, 1.0}, at::kDouble) / 8;
    const at::Tensor expected = at::conv2d(nchw(padded), at::outer(c, c).view({1, 1, 4, 4}), {}, 2);
    EXPECT_TRUE(at::allclose(nchw(out).to(at::kDouble), expected, 1e-6, 1e-7));
  }
}

}  // namespace
}  // namespace vidrep
