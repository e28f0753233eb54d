// TrainConfig: everything a training run depends on, saved as RUN/config.json so that a run can be
// resumed, evaluated and reproduced. `vidrep train --config F.json` and `vidrep ae train --config
// F.json` read the same format (any subset of the keys). The library owns every default:
// resolve_train_config() layers the task's defaults, the file and the flags the user gave.
//
//   {"data": "data/motion", "epochs": 30, "batch": 16, "lr": 0.002, "optimizer": "adamw",
//    "schedule": "cosine", "warmup": 1, "model": {"arch": "c3d", "modality": "video", ...}}
#pragma once

#include "vidrep/models/autoencoder_config.h"
#include "vidrep/models/config.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace vidrep {

// What a run trains: classify (a VideoNet on labelled clips, `model`) | autoencode (a causal 3D
// autoencoder on clips, `autoencoder`) | pretrain (the video encoder of `model` by masked tube
// modelling on unlabelled clips, models/masked_video.h; a classify run starts from it with `init`) |
// contrastive (a VideoNet's embedding on unlabelled clips, two copy-style augmented views of each
// clip as a positive pair under InfoNCE, train/contrastive.h: a copy-detection descriptor that
// `vidrep embed --method run:RUN` uses; a classify run may start from its encoder too).
enum class Task { Classify, Autoencode, Pretrain, Contrastive };
const char* task_name(Task task);
// ConfigError "train config: key 'task': ..." for another name.
Task parse_task(const std::string& name);

// The contrastive task's augmentation, {T} the clip length and {W}x{H} the model's frame size:
// speed, crop (20-100 % of the area, aspect 1:2-2:1), letterbox pad, mirror, colour, blur, noise,
// a logo/caption box and block quantisation, each clip's two views drawn apart.
inline constexpr const char* kContrastiveAugmentation =
    "speed={T}:0.5-2,random_resized_crop={W}x{H}:0.2-1:0.5-2,random_pad=0.25:0.3,hflip=0.5,"
    "color_jitter=0.4:0.4:0.4:0.1,gaussian_blur=0-1.5,gaussian_noise=0-8,overlay=0.3,dct_quantize=2-40:0.4";

// What the autoencoder trains on by default: every clip mirrored, turned upside down and played
// backwards at random, its colour channels in a random order and negated at random
// (reconstruction has no labels that these could swap; 96x the distinct clips).
inline constexpr const char* kAutoencoderAugmentation =
    "hflip=0.5,vflip=0.5,reverse=0.5,channel_shuffle=1,invert=0.5";

// What a classifier on pixels sees by default: (rgb / 255 - 0.45) / 0.225 per channel.
inline constexpr const char* kPixelNormalization = "normalize=0.45:0.225";

struct TrainConfig {
  Task task = Task::Classify;
  std::string data;                  // dataset folder (data/dataset.h layouts)
  ModelConfig model;                 // classify: arch, modality, input clip (frames = clip length, size)
  AutoencoderConfig autoencoder;     // autoencode: compression, size, training clip
  // classify: what the network reads. pixels: the clips; latent: the clips encoded by the
  // autoencoder of run `ae` (frozen), so the network sees [B,C,t,h,w] latents (network_config()).
  std::string input = "pixels";
  std::string ae;                    // autoencoder run folder (input latent)
  // A finished or interrupted run of the same task and network whose best.pt weights the network
  // starts from (fine-tuning, or a second schedule); the optimizer and schedule start afresh.
  // A pretrain run gives its encoder's weights to a classify run (the rest starts fresh); the
  // classify run's model then defaults to the pretrained encoder's (resolve_train_config).
  std::string init;                  // empty: torch's default initialisation under `seed`
  // pretrain: the fraction of each clip's patch cells hidden (as tubes through every frame).
  // Left out: 0.9 for vit (VideoMAE's ratio), 0.75 for c3d, whose convolutions see less context.
  std::optional<double> mask_ratio;
  // pretrain: what the hidden tubes are reconstructed as: pixels (VideoMAE's patch-normalised
  // pixels) | motion (the frame differences; models/masked_video.h).
  std::string pretrain_target = "motion";
  // contrastive: the softmax temperature of InfoNCE over cosine similarities (SimCLR's 0.1).
  double temperature = 0.1;
  // contrastive: the weight of the KoLeo entropy term added to InfoNCE (train/contrastive.h: koleo,
  // SSCD's "entropy weight"), which pushes unrelated clips' descriptors apart; 0: InfoNCE alone.
  double entropy_weight = 3;
  // contrastive: each video is cut into samples of this many seconds (the last one takes a
  // remainder shorter than half of it), so that an epoch draws a clip from every part of every
  // video rather than one clip per file; 0: one sample per video.
  double segment_seconds = 4;

  int64_t epochs = 30;
  // classify: when `epochs` is left at its default, a small dataset trains for more epochs, so that
  // the run takes at least this many optimizer steps (resolve_train_config); 0: off. 27 videos per
  // class at batch 16 are 7 steps an epoch: 30 epochs were too few steps to learn motion.
  int64_t min_steps = 400;
  int64_t batch = 16;
  std::string optimizer = "adamw";   // sgd (momentum, nesterov off) | adam | adamw
  double lr = 2e-3;                  // peak learning rate
  double momentum = 0.9;             // sgd
  // adam/adamw: decay of the squared-gradient average. Lower values bound a step's size after a
  // quiet stretch (at most lr / sqrt(1 - beta2) per weight): the autoencoder uses 0.99.
  double beta2 = 0.999;
  double weight_decay = 0.05;        // adamw: decoupled; sgd/adam: L2 in the gradient
  std::string schedule = "cosine";   // cosine (to 0 at the last step) | step (x gamma every step_epochs)
  double warmup = 1;                 // epochs of linear warmup from lr/100 (fractions allowed)
  int64_t step_epochs = 10;          // step schedule
  double gamma = 0.1;                // step schedule
  double grad_clip = 1.0;            // max global gradient L2 norm; 0: off
  double label_smoothing = 0;        // cross-entropy only
  int64_t patience = 10;             // early stop after this many epochs without a better val metric; 0: off
  // No early stop before this many epochs: a run on a small validation split (whose metric moves in
  // large steps and may stall while the network is still learning) cannot end before it has learned,
  // nor before its learning rate has come down. Left out, half of `epochs` (resolve_train_config).
  int64_t min_epochs = 15;
  int64_t frame_stride = 1;
  // Training augmentation (a transform::Pipeline text), applied before `preprocess` in training
  // only. Unset: default_augmentation() (random resized crop, colour jitter, temporal jitter for a
  // classifier on pixels); "": none. config.json always records the text (augmentation_of()).
  std::optional<std::string> transform;
  // Also mirror clips left-right at random (hflip=0.5 after the augmentation). Off by default: a
  // mirrored clip of something moving left moves right, so direction-sensitive labels would swap.
  bool hflip = false;
  // A bucket table (tokens/bucket_config.h) as JSON text: classify trains on equal-shape batches
  // at each clip's native aspect ratio and duration (data/batch_sampler.h: BucketedBatches), and
  // model.frames / height / width become the largest bucket shape in use. config.json holds the
  // table itself (key "buckets", an object), so a run needs no other file. Empty: every clip at
  // model.frames x height x width.
  std::string buckets;
  // Applied to every clip, after `transform` when training and alone in evaluation and prediction
  // (deterministic items: normalisation, resizing). Unset: default_preprocess(task, input), the
  // classifier's normalisation "normalize=0.45:0.225" on pixels, none for the autoencoder and
  // latent inputs (rgb / 255 in [0,1]). config.json always records the text (preprocess_of()).
  std::optional<std::string> preprocess;
  double audio_seconds = 2.0;        // audio window per clip (from its first frame), as log-mel
  uint64_t seed = 0;
  int threads = 0;                   // LibTorch threads; 0: one per core
  int workers = 2;                   // loader threads
};

// The network a classify run builds: `model`, or for input latent the same with in_channels,
// frames, height and width of the latent of a model.frames x height x width clip.
ModelConfig network_config(const TrainConfig& c, const AutoencoderConfig& ae);

// Unknown keys, wrong types and invalid values are ConfigError naming the key. The JSON has
// "model" for task classify and "autoencoder" for task autoencode.
void to_json(nlohmann::json& j, const TrainConfig& c);
void from_json(const nlohmann::json& j, TrainConfig& c);
void validate(const TrainConfig& c);

// The defaults of a task: the field values above for classify; autoencode trains longer at a lower
// rate without weight decay or early stopping (epochs 100, lr 5e-4, beta2 0.99, weight_decay 0,
// patience 0) with the psnr loss (autoencoder.loss) on flipped, reversed, channel-shuffled and
// inverted clips (kAutoencoderAugmentation);
// pretrain runs a fixed schedule (epochs 100, warmup 5, patience 0): its loss keeps falling long
// after a classifier's accuracy would have settled; contrastive likewise (epochs 60, warmup 2,
// patience 0) with frame2d (copies keep appearance, not motion: the order-blind per-frame encoder
// matched copies best on bench/retrieval), a 128-d embedding (model.embed_dim), the descriptor it
// trains, and frame_stride 2 (retrieval's embedder spreads a clip over one second: at 30 fps about
// 2 frames per clip frame).
TrainConfig default_train_config(Task task);
// What a run augments with when `transform` is unset: for a classifier or pretraining on pixels
// "random_resized_crop=WxH:0.6-1:0.8-1.25,color_jitter=0.3:0.3:0.3:0.02,temporal_jitter=2" at the
// model's size (a crop of 60-100 % of the frame's area resized back, so objects move and scale;
// brightness, contrast, saturation and hue; a start moved by up to 2 frames), without the crop
// under a bucket table (batches keep each clip's shape); for contrastive the copy-style edits a
// re-uploaded copy carries (kContrastiveAugmentation: the loader reads clips of twice model.frames
// and `speed` plays them at 0.5-2x into model.frames); for the autoencoder kAutoencoderAugmentation;
// "" otherwise (a latent input is already encoded; audio alone).
std::string default_augmentation(const TrainConfig& c);
// c.transform or its default, with ",hflip=0.5" when c.hflip: the training clips' augmentation.
std::string augmentation_of(const TrainConfig& c);
// The mask ratio of a pretrain run: c.mask_ratio or its default for the arch.
double mask_ratio_of(const TrainConfig& c);
// kPixelNormalization for a classifier or pretraining on pixels, "" otherwise. Also what a config.json without
// "preprocess" (written before the key existed) means.
std::string default_preprocess(Task task, const std::string& input);
// c.preprocess, or its default when unset.
std::string preprocess_of(const TrainConfig& c);

// Applies the keys of a JSON object (as in config.json) on top of `base`: missing keys keep base's
// values; "model" and "autoencoder" merge key by key. ConfigError prefixed with `what`.
TrainConfig merge_config(const TrainConfig& base, const nlohmann::json& patch, const std::string& what);
// The same with a file's keys (ConfigError naming the file for a syntax error).
TrainConfig merge_config_file(const TrainConfig& base, const std::string& path);

// The config of a new run: default_train_config(task), then the keys of `config_file` (if not
// empty), then `flags`, which holds only the keys the user gave on the command line (a flag given
// at its default value still wins over the file). ConfigError for a file of another task. Then the
// augmentation and preprocessing defaults (which follow the final model size and input), and the
// defaults that depend on other keys, unless the file or the flags set them: a classifier trains for
// max(epochs, ceil(min_steps / batches per epoch)) epochs on the train split of `data` (when it can
// be read; train() reports it otherwise), and min_epochs is half of the epochs; cnn_lstm takes lr
// 4e-3, dropout 0.5 and min_steps 2000 (the other families 2e-3, 0.2 and 400); a classifier
// reading an autoencoder's latents (input latent) takes 1x2x2 tubelets and the longest clip up to
// model.frames that the autoencoder takes (1 + k * compress_t).
TrainConfig resolve_train_config(Task task, const std::string& config_file, const nlohmann::json& flags);

}  // namespace vidrep
