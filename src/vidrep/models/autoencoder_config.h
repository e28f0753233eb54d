// AutoencoderConfig: the shape and size of a video compression network (models/autoencoder.h),
// saved in RUN/config.json under "autoencoder" so that eval / encode / decode rebuild it exactly.
//
//   vidrep::AutoencoderConfig c;           // 4x8x8 compression into 16 latent channels
//   c.latent_shape({17, 32, 32});          // {5, 4, 4}: 1 + (T-1)/4 latent frames
//   nlohmann::json j = c;                  // unknown keys and wrong types are ConfigErrors
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace vidrep {

// Clips cut from a file (ae encode, ae eval --video) take the most frames up to this many.
inline constexpr int64_t kFileClipFrames = 17;

struct AutoencoderConfig {
  // Compression per axis (powers of two): time, height, width. Time is causal: the first frame is
  // coded alone, so T = 1 + k * compress_t frames give 1 + k latent frames.
  int64_t compress_t = 4, compress_h = 8, compress_w = 8;
  int64_t latent_channels = 16;

  // Network size. The input is first folded `patch` x `patch` pixels into channels (and unfolded
  // at the output), then every stage halves what is left of the compression; stage i is
  // min(channels * 2^i, max_channels) wide with `res_blocks` residual blocks.
  int64_t patch = 2;
  int64_t channels = 32;
  int64_t max_channels = 64;
  int64_t res_blocks = 1;

  // 0: a plain autoencoder. > 0: a VAE whose encoder also predicts a log-variance; training adds
  // kl_weight * KL(q(z|x) || N(0, I)) (summed over latent values, averaged over clips) and decodes
  // a sample; encoding returns the mean.
  double kl_weight = 0;
  // mse | l1 (on pixels in [0, 1]) | psnr: the mean over clips of log10(the clip's MSE + 1e-5),
  // -PSNR / 10 capped at 50 dB, which rewards halving the error of an easy clip as much as a hard
  // one, as the mean PSNR of `ae eval` does (MSE weighs clips by their error).
  std::string loss = "mse";

  // Training clips: frames (1 + k * compress_t) of height x width (multiples of compress_h/w).
  int64_t frames = 9, height = 32, width = 32;

  // {t, h, w} of the latent of a [T, H, W] clip; throws InvalidArgument when T is not 1 + k * compress_t
  // or H, W are not multiples of the spatial compression ("frames 16: ... takes 1 + 4k frames (13 or 17)").
  std::array<int64_t, 3> latent_shape(std::array<int64_t, 3> clip) const;
  // The same with the complaint prefixed by `where` (a file or dataset): "clip.mp4: frames 16: ...".
  std::array<int64_t, 3> latent_shape(std::array<int64_t, 3> clip, const std::string& where) const;
  // The most frames up to n that the network takes (1 + k * compress_t); 0 when n < 1.
  int64_t frames_up_to(int64_t n) const { return n < 1 ? 0 : 1 + (n - 1) / compress_t * compress_t; }
  // {T, H, W} of the clip a [t, h, w] latent decodes to.
  std::array<int64_t, 3> clip_shape(std::array<int64_t, 3> latent) const;
  // How many times the network halves T, H and W: log2 of compress_t, compress_h / patch and
  // compress_w / patch. The encoder (and decoder) has as many stages as the largest of them.
  std::array<int64_t, 3> halvings() const;
  int64_t stages() const;
};

void to_json(nlohmann::json& j, const AutoencoderConfig& c);
void from_json(const nlohmann::json& j, AutoencoderConfig& c);
// ConfigError naming the key: a compression that is not a power of two (1..64), a patch that does
// not divide the spatial compression, sizes < 1, kl_weight < 0, an unknown loss, training frames
// not 1 + k * compress_t or sizes not multiples of the compression.
void validate(const AutoencoderConfig& c);

// "4x8x8" -> {4, 8, 8}; InvalidArgument naming `option` for anything else.
std::array<int64_t, 3> parse_compression(const std::string& text, const std::string& option = "--compress");

}  // namespace vidrep
