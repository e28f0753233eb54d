// Patch n' pack: placement by best/first fit, segment ids and offsets, and the property that
// makes packing correct: attention over a packed sequence with its block-diagonal mask equals
// attention over each sample alone, whatever the padding holds.
#include "vidrep/error.h"
#include "vidrep/tokens/pack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vidrep {
namespace {

// softmax(Q K^T / sqrt(d) + M) V for x [..., L, D]; mask [..., L, L] true = may attend.
at::Tensor attention(const at::Tensor& x, const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk,
                     const at::Tensor& wv) {
  const at::Tensor q = at::matmul(x, wq), k = at::matmul(x, wk), v = at::matmul(x, wv);
  const at::Tensor bias = at::zeros(mask.sizes(), x.options())
                              .masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  const at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(wq.size(1))) + bias;
  return at::matmul(at::softmax(scores, -1), v);
}

std::vector<at::Tensor> random_samples(const std::vector<int64_t>& lengths, int64_t dim) {
  std::vector<at::Tensor> out;
  for (int64_t n : lengths) out.push_back(at::randn({n, dim}));
  return out;
}

TEST(TokensPack, AttentionOverPackedSequencesEqualsAttentionPerSample) {
  at::manual_seed(11);
  const int64_t dim = 16, head = 8;
  const std::vector<at::Tensor> samples = random_samples({37, 5, 64, 20, 11, 50, 3, 29}, dim);
  Packed p = pack(samples, {}, {.length = 64});
  ASSERT_EQ(p.tokens.size(1), 64);
  EXPECT_LT(p.tokens.size(0), int64_t(samples.size()));  // several samples share a sequence

  // Garbage at padding positions must not leak into any real token's output.
  const at::Tensor padding = p.segments.eq(0).unsqueeze(-1);
  ASSERT_GT(padding.sum().item<int64_t>(), 0);
  p.tokens = at::where(padding, at::randn(p.tokens.sizes()) * 1000, p.tokens);

  const at::Tensor wq = at::randn({dim, head}), wk = at::randn({dim, head}), wv = at::randn({dim, head});
  const at::Tensor packed_out = attention(p.tokens, p.mask, wq, wk, wv);  // [S,L,head]
  EXPECT_TRUE(packed_out.isfinite().all().item<bool>());  // padding rows attend to themselves: no NaN
  const std::vector<at::Tensor> per_sample = unpack(packed_out, p.slots);
  ASSERT_EQ(per_sample.size(), samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const int64_t n = samples[i].size(0);
    const at::Tensor alone = attention(samples[i], at::ones({n, n}, at::kBool), wq, wk, wv);
    EXPECT_LT((per_sample[i] - alone).abs().max().item<float>(), 1e-5f) << "sample " << i;
  }

  // The mask itself: block-diagonal over samples, padding only on its own diagonal.
  const at::Tensor m = p.mask[p.slots[0].sequence];
  const PackedSlot& s0 = p.slots[0];
  EXPECT_TRUE(m.narrow(0, s0.offset, s0.length).narrow(1, s0.offset, s0.length).all().item<bool>());
  EXPECT_EQ(m.narrow(0, s0.offset, s0.length).sum().item<int64_t>(), s0.length * s0.length);
}

TEST(TokensPack, BestFitAndFirstFitPlaceAsDocumented) {
  // Given order 5, 7, 3, 5 into sequences of 10: first fit puts the 3 beside the 5 (first with
  // room) and must open a third sequence for the last 5; best fit puts it beside the 7 (tightest).
  const std::vector<at::Tensor> samples = random_samples({5, 7, 3, 5}, 4);
  const Packed first = pack(samples, {}, {.length = 10, .algorithm = PackAlgorithm::FirstFit, .longest_first = false});
  const Packed best = pack(samples, {}, {.length = 10, .algorithm = PackAlgorithm::BestFit, .longest_first = false});
  EXPECT_EQ(first.tokens.size(0), 3);
  EXPECT_EQ(best.tokens.size(0), 2);
  EXPECT_EQ(first.slots[2].sequence, 0);
  EXPECT_EQ(best.slots[2].sequence, 1);
  EXPECT_EQ(best.slots[2].offset, 7);
  EXPECT_EQ(best.slots[2].segment, 2);
  EXPECT_EQ(best.slots[3].sequence, 0);
  EXPECT_EQ(best.slots[3].offset, 5);
  EXPECT_TRUE(at::equal(best.segments, at::tensor(std::vector<int64_t>{1, 1, 1, 1, 1, 2, 2, 2, 2, 2,
                                                                       1, 1, 1, 1, 1, 1, 1, 2, 2, 2}).view({2, 10})));

  // Longest first (the default): 7, 5, 5, 3 -> [7 3] [5 5].
  const Packed sorted = pack(samples, {}, {.length = 10});
  EXPECT_EQ(sorted.tokens.size(0), 2);
  EXPECT_EQ(sorted.slots[1].sequence, 0);
  EXPECT_EQ(sorted.slots[2].sequence, 0);
  EXPECT_EQ(sorted.slots[2].offset, 7);
  EXPECT_EQ(sorted.slots[0].sequence, 1);
  EXPECT_EQ(sorted.slots[3].sequence, 1);
  EXPECT_EQ(sorted.slots[3].offset, 5);
}

TEST(TokensPack, UnpackReturnsEachSampleAndPositionsTravelAlong) {
  at::manual_seed(2);
  const std::vector<at::Tensor> samples = random_samples({6, 2, 9, 4}, 3);
  std::vector<at::Tensor> positions;
  for (const at::Tensor& s : samples) positions.push_back(at::randint(0, 50, {s.size(0), 3}, at::kLong));
  const Packed p = pack(samples, positions, {.length = 12});
  EXPECT_EQ(p.tokens.size(0), 2);
  EXPECT_EQ(p.positions.sizes(), (at::IntArrayRef{2, 12, 3}));
  const auto tokens = unpack(p.tokens, p.slots);
  const auto pos = unpack(p.positions, p.slots);
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_TRUE(at::equal(tokens[i], samples[i]));
    EXPECT_TRUE(at::equal(pos[i], positions[i]));
  }
  EXPECT_EQ(p.segments.eq(0).sum().item<int64_t>(), 24 - 21);
  EXPECT_EQ(p.tokens.masked_select(p.segments.eq(0).unsqueeze(-1)).abs().sum().item<float>(), 0.0f);
}

TEST(TokensPack, RejectsSamplesThatDoNotFitOrDisagree) {
  const auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("(no InvalidArgument)");
  };
  const std::vector<at::Tensor> samples = random_samples({4, 20}, 3);
  EXPECT_EQ(message([&] { pack(samples, {}, {.length = 16}); }), "pack sample 1: 20 tokens do not fit a sequence of 16");
  EXPECT_NE(message([&] { pack({at::zeros({4, 3}), at::zeros({4, 5})}, {}, {.length = 16}); }).find("pack sample 1"),
            std::string::npos);
  EXPECT_NE(message([&] { pack(samples, {at::zeros({4, 3})}, {.length = 32}); }).find("positions for each"),
            std::string::npos);
  EXPECT_NE(message([&] { pack(samples, {}, {}); }).find("pack length"), std::string::npos);
}

}  // namespace
}  // namespace vidrep
