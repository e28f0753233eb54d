// ModelConfig: which network to build and its hyper-parameters, saved as RUN/model.json with
// every run so that eval/predict/export rebuild exactly the trained network.
//
//   vidrep::ModelConfig c;            // defaults: c3d on video, 16x32x32 clips
//   c.arch = "vit"; c.num_classes = 8;
//   nlohmann::json j = c;             // to_json / from_json; unknown keys are a ConfigError
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace vidrep {

struct ModelConfig {
  std::string arch = "c3d";         // frame2d | cnn_lstm | c3d | vit (the video encoder)
  std::string modality = "video";   // video | audio | av
  std::string fusion = "concat";    // concat | mean | gated | attention (modality av)
  int64_t num_classes = 0;
  bool multi_label = false;

  // Input shape: video [B,in_channels,frames,height,width], audio [B,mel_frames,mel_bins].
  // in_channels is 3 for RGB clips, the latent channels for autoencoder latents.
  int64_t in_channels = 3;
  int64_t frames = 16;
  int64_t height = 32;
  int64_t width = 32;
  int64_t mel_frames = 124;
  int64_t mel_bins = 40;

  int64_t channels = 16;            // width of the first conv stage (frame2d, cnn_lstm, c3d)
  // frame2d / cnn_lstm: the per-frame CNN's last map is average-pooled to frame_pool x frame_pool
  // cells (not 1x1) before its Linear, so the frame vector still says WHERE things are; a global
  // pool would leave the RNN little to read motion from.
  int64_t frame_pool = 2;
  // cnn_lstm, c3d, vit: the network also sees each frame's difference from the previous one and
  // the normal-flow products -It * grad I (8 input channels for RGB, models/encoder.h), motion cues
  // free of the static background's appearance and of the edges' contrast: on small sets with
  // varied backgrounds c3d and vit did not learn motion without them (bench/learning/). frame2d
  // ignores it: it must stay blind to frame order.
  bool frame_diff = true;
  int64_t hidden = 64;              // RNN hidden size, encoder output width, ViT width
  std::string rnn = "gru";          // gru | lstm (cnn_lstm and the audio encoder)
  int64_t embed_dim = 64;           // size of the L2-normalized embedding
  double dropout = 0.2;

  // vit
  int64_t patch_t = 4, patch_h = 4, patch_w = 4;  // tubelet size
  int64_t depth = 2;                // divided space-time blocks
  int64_t heads = 4;
  std::string positions = "learned";  // learned | sinusoidal
  std::string pooling = "mean";       // mean | stpp (temporal levels 1,2 x spatial 1,2)
};

// from_json sets only the keys present (the rest keep their values) and throws ConfigError naming
// the key for an unknown key or a wrong type. Values are checked by validate(), once the caller has
// filled what the JSON may leave out (num_classes comes from the dataset).
void to_json(nlohmann::json& j, const ModelConfig& c);
void from_json(const nlohmann::json& j, ModelConfig& c);
// Throws ConfigError naming the key: unknown arch/modality/fusion/rnn/positions/pooling, a size
// < 1, num_classes < 1, dropout outside [0,1), hidden not a multiple of heads (vit, attention
// fusion), frames/height/width not multiples of patch_t/patch_h/patch_w (vit).
void validate(const ModelConfig& c);

}  // namespace vidrep
