// The causal 3D autoencoder on its own: exact latent shapes for any compression, causality in the
// encoder and decoder (a frame never changes the latent of earlier frames), images as 1-frame
// videos, the VAE path, and the config's errors.
#include "vidrep/error.h"
#include "vidrep/models/autoencoder.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <string>

namespace vidrep {
namespace {

Autoencoder small(AutoencoderConfig c = {}) {
  c.channels = 8;
  c.max_channels = 16;
  torch::manual_seed(0);
  Autoencoder ae = make_autoencoder(c);
  ae->eval();
  return ae;
}

at::Tensor clip(int64_t frames, int64_t height = 32, int64_t width = 32) {
  torch::manual_seed(7);
  return torch::rand({2, 3, frames, height, width});
}

std::vector<int64_t> dims(const at::Tensor& t) { return t.sizes().vec(); }

TEST(Autoencoder, LatentShapesAreExact) {
  torch::NoGradGuard no_grad;
  Autoencoder ae = small();
  EXPECT_EQ(dims(ae->encode(clip(17))), (std::vector<int64_t>{2, 16, 5, 4, 4}));
  EXPECT_EQ(dims(ae->encode(clip(1))), (std::vector<int64_t>{2, 16, 1, 4, 4}));
  EXPECT_EQ(dims(ae->encode(clip(9, 48, 64))), (std::vector<int64_t>{2, 16, 3, 6, 8}));
  EXPECT_EQ(dims(ae->decode(ae->encode(clip(17)))), (std::vector<int64_t>{2, 3, 17, 32, 32}));
  EXPECT_EQ(dims(ae->decode(torch::randn({1, 16, 1, 4, 4}))), (std::vector<int64_t>{1, 3, 1, 32, 32}));

  // Other compressions, with and without the pixel fold, and a VAE (whose encode gives the mean).
  struct Case {
    int64_t t, h, w, channels, patch;
    double kl;
    std::vector<int64_t> latent;
  };
  for (const Case& k : {Case{2, 4, 4, 8, 1, 0, {2, 8, 9, 8, 8}}, Case{1, 8, 8, 4, 2, 0, {2, 4, 17, 4, 4}},
                        Case{8, 16, 16, 16, 4, 0.1, {2, 16, 3, 2, 2}}, Case{4, 2, 8, 16, 2, 0, {2, 16, 5, 16, 4}}}) {
    AutoencoderConfig c;
    c.compress_t = k.t;
    c.compress_h = k.h;
    c.compress_w = k.w;
    c.latent_channels = k.channels;
    c.patch = k.patch;
    c.kl_weight = k.kl;
    Autoencoder a = small(c);
    const at::Tensor z = a->encode(clip(17));
    EXPECT_EQ(dims(z), k.latent) << k.t << "x" << k.h << "x" << k.w;
    EXPECT_EQ(dims(a->decode(z)), (std::vector<int64_t>{2, 3, 17, 32, 32})) << k.t << "x" << k.h << "x" << k.w;
    EXPECT_EQ(c.clip_shape(c.latent_shape({17, 32, 32})), (std::array<int64_t, 3>{17, 32, 32}));
  }
}

TEST(Autoencoder, EncoderIsCausal) {
  torch::NoGradGuard no_grad;
  Autoencoder ae = small();
  const at::Tensor x = clip(17);
  const at::Tensor z = ae->encode(x);
  for (int64_t k : {0, 1, 4, 5, 8, 13, 16}) {
    at::Tensor y = x.clone();
    y.select(2, k).copy_(torch::rand({2, 3, 32, 32}));
    const at::Tensor zy = ae->encode(y);
    const int64_t first_changed = (k + 3) / 4;  // latent j covers frames 4j-3 .. 4j; latent 0 frame 0
    for (int64_t j = 0; j < 5; ++j) {
      const bool same = zy.select(2, j).equal(z.select(2, j));
      if (j < first_changed) {
        EXPECT_TRUE(same) << "frame " << k << " changed latent frame " << j;
      } else if (j == first_changed) {
        EXPECT_FALSE(same) << "frame " << k << " did not reach latent frame " << j;
      }
    }
  }
  // An image is a 1-frame video: its latent is the first latent frame of any clip it starts.
  EXPECT_TRUE(ae->encode(x.narrow(2, 0, 1)).allclose(z.narrow(2, 0, 1), 1e-5, 1e-5));
  EXPECT_TRUE(ae->encode(x.narrow(2, 0, 9)).allclose(z.narrow(2, 0, 3), 1e-5, 1e-5));
}

TEST(Autoencoder, DecoderIsCausal) {
  torch::NoGradGuard no_grad;
  Autoencoder ae = small();
  const at::Tensor z = torch::randn({1, 16, 5, 4, 4});
  const at::Tensor x = ae->decode(z);
  for (int64_t j : {1, 2, 4}) {
    at::Tensor w = z.clone();
    w.select(2, j).copy_(torch::randn({1, 16, 4, 4}));
    const at::Tensor xw = ae->decode(w);
    const int64_t first = 4 * j - 3;  // latent j decodes to frames 4j-3 .. 4j
    EXPECT_TRUE(xw.narrow(2, 0, first).equal(x.narrow(2, 0, first))) << "latent " << j;
    EXPECT_FALSE(xw.select(2, first).equal(x.select(2, first))) << "latent " << j;
  }
}

TEST(Autoencoder, VaeSamplesWhileTrainingAndEncodesTheMean) {
  AutoencoderConfig c;
  c.kl_weight = 1e-4;
  Autoencoder ae = small(c);
  const at::Tensor x = clip(5);
  ae->train();
  const AutoencoderOutput a = ae->forward(x), b = ae->forward(x);
  ASSERT_TRUE(a.logvar.defined());
  EXPECT_FALSE(a.reconstruction.equal(b.reconstruction));  // different posterior samples
  const AutoencoderLoss loss = autoencoder_loss(c, a, x);
  EXPECT_GT(loss.kl.item<double>(), 0);
  EXPECT_NEAR(loss.total.item<double>(), loss.reconstruction.item<double>() + 1e-4 * loss.kl.item<double>(), 1e-6);
  ae->eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(ae->forward(x).reconstruction.equal(ae->decode(ae->encode(x))));
  EXPECT_TRUE(ae->encode(x).equal(a.mean.detach()));
}

TEST(Autoencoder, LossesWeighClipsAsConfigured) {
  // Two clips, one off by 0.1 everywhere (MSE 1e-2, 20 dB), one by 0.01 (MSE 1e-4, 40 dB).
  const at::Tensor video = torch::full({2, 3, 5, 8, 8}, 0.5);
  AutoencoderOutput out;
  out.reconstruction = video.clone();
  out.reconstruction[0].add_(0.1);
  out.reconstruction[1].sub_(0.01);
  AutoencoderConfig c;
  EXPECT_NEAR(autoencoder_loss(c, out, video).total.item<double>(), (1e-2 + 1e-4) / 2, 1e-7);
  c.loss = "l1";
  EXPECT_NEAR(autoencoder_loss(c, out, video).total.item<double>(), (0.1 + 0.01) / 2, 1e-6);
  // psnr: -(mean PSNR) / 10 (with 1e-5 added to each MSE): halving the easy clip's error counts.
  c.loss = "psnr";
  EXPECT_NEAR(autoencoder_loss(c, out, video).total.item<double>(),
              (std::log10(1e-2 + 1e-5) + std::log10(1e-4 + 1e-5)) / 2, 1e-5);
}

TEST(Autoencoder, BadInputsAndConfigsAreClearErrors) {
  torch::NoGradGuard no_grad;
  Autoencoder ae = small();
  std::string m = test::error_message<InvalidArgument>([&] { ae->encode(clip(16)); });
  EXPECT_NE(m.find("frames 16"), std::string::npos) << m;
  EXPECT_NE(m.find("13 or 17"), std::string::npos) << m;
  m = test::error_message<InvalidArgument>([&] { ae->encode(clip(9, 30, 32)); });
  EXPECT_NE(m.find("multiples of 8"), std::string::npos) << m;
  m = test::error_message<InvalidArgument>([&] { ae->encode(torch::rand({3, 9, 32, 32})); });
  EXPECT_NE(m.find("expected [B,3,T,H,W] float32"), std::string::npos) << m;
  m = test::error_message<InvalidArgument>([&] { ae->decode(torch::randn({1, 8, 5, 4, 4})); });
  EXPECT_NE(m.find("latent: expected [B,16,t,h,w] float32, got [1,8,5,4,4]"), std::string::npos) << m;

  const auto config_error = [](const nlohmann::json& j) {
    return test::error_message<ConfigError>([&] {
      AutoencoderConfig c = j.get<AutoencoderConfig>();
      validate(c);
    });
  };
  EXPECT_NE(config_error({{"compress_t", 3}}).find("compress_t"), std::string::npos);
  EXPECT_NE(config_error({{"patch", 16}}).find("patch"), std::string::npos);
  EXPECT_NE(config_error({{"frames", 8}}).find("1 + k * compress_t"), std::string::npos);
  EXPECT_NE(config_error({{"loss", "ssim"}}).find("mse, l1, psnr"), std::string::npos);
  EXPECT_NE(config_error({{"kl_weight", -1}}).find("kl_weight"), std::string::npos);
  EXPECT_NE(config_error({{"latent", 16}}).find("unknown key 'latent'"), std::string::npos);
  EXPECT_NE(config_error({{"latent_channels", 2.5}}).find("expected an integer"), std::string::npos);
  EXPECT_EQ(parse_compression("4x8x8"), (std::array<int64_t, 3>{4, 8, 8}));
  m = test::error_message<InvalidArgument>([] { parse_compression("4x8"); });
  EXPECT_NE(m.find("--compress: expected TxHxW"), std::string::npos) << m;
  m = test::error_message<InvalidArgument>([] { parse_compression("3x8x8"); });
  EXPECT_NE(m.find("power of two"), std::string::npos) << m;
}

}  // namespace
}  // namespace vidrep
