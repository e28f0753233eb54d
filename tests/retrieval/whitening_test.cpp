// PCA whitening (retrieval/whitening.h): decorrelated, unit rows, kept on disk, and the identity
// when a collection is too small to fit it.
#include "vidrep/retrieval/whitening.h"

#include "vidrep/error.h"
#include "vidrep/tensor.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "support/fixtures.h"

namespace vidrep {
namespace {

TEST(Whitening, DecorrelatesAndNormalises) {
  at::manual_seed(2);
  // Correlated 16-d rows: 4 latent factors mixed, plus a little noise.
  const at::Tensor rows = (at::randn({400, 4}).mm(at::randn({4, 16})) + 0.05 * at::randn({400, 16})).contiguous();
  const retrieval::Whitening w = retrieval::Whitening::fit(to_array(rows), 8);
  ASSERT_FALSE(w.identity());
  EXPECT_EQ(w.dim(16), 8);
  const at::Tensor x = to_tensor(w.apply(to_array(rows)));
  ASSERT_EQ(x.sizes(), (at::IntArrayRef{400, 8}));
  EXPECT_TRUE(at::allclose(x.norm(2, 1), at::ones({400}), 1e-4, 1e-4));
  // Before normalisation the kept axes are uncorrelated: off-diagonal correlations are small.
  const at::Tensor c = at::corrcoef(x.t());
  const at::Tensor off = c - at::diag(at::diag(c));
  EXPECT_LT(off.abs().max().item<double>(), 0.35);

  const std::string path = test::scratch_dir("whitening_io") + "/w.npz";
  w.save(path);
  const retrieval::Whitening back = retrieval::Whitening::load(path);
  EXPECT_TRUE(to_tensor(back.apply(to_array(rows))).equal(x));
  EXPECT_THROW(w.apply(to_array(at::zeros({2, 5}))), InvalidArgument);
}

TEST(Whitening, TooFewRowsAreOnlyCentred) {
  at::manual_seed(3);
  const at::Tensor rows = at::rand({retrieval::Whitening::kMinRows - 1, 6}) + 1;
  const retrieval::Whitening w = retrieval::Whitening::fit(to_array(rows), 4);
  EXPECT_FALSE(w.identity());
  EXPECT_EQ(w.dim(6), 6);
  const at::Tensor centred = rows - rows.mean(0);
  const at::Tensor expected = centred / centred.norm(2, 1, true);
  EXPECT_TRUE(at::allclose(to_tensor(w.apply(to_array(rows))), expected, 1e-5, 1e-5));
  // One row: nothing to centre on.
  const retrieval::Whitening one = retrieval::Whitening::fit(to_array(rows.slice(0, 0, 1).contiguous()), 4);
  EXPECT_TRUE(one.identity());
  const std::string path = test::scratch_dir("whitening_identity") + "/w.npz";
  one.save(path);
  EXPECT_TRUE(retrieval::Whitening::load(path).identity());
}

}  // namespace
}  // namespace vidrep
