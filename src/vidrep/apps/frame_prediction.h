// The future-frame predictor as a learned anomaly score (`vidrep anomaly train --method
// predict|both`): models/frame_predictor.h trained on normal footage, a frame scored by how badly it
// was predicted from the frames before it. It plugs into the objects' density (track/anomaly.h,
// free of LibTorch) as a track::FrameModel.
//
//   auto p = std::make_shared<PredictorModel>(PredictorOptions{});
//   track::AnomalyOptions o{.videos = normal, .out = "runs/cam", .method = "both", .frame_model = p};
//   track::train_anomaly(o);                          // learn() every frame, fit(), calibrate, save()
//   auto m = track::AnomalyModel::load("runs/cam", &load_predictor);
//
// Frames: the analysis-size frame (track/, 240 lines) averaged down to `height` lines (72; the
// width keeps the aspect, a multiple of 4), RGB in [-1, 1]. The net sees `context` (4) frames and
// draws the next; trained with L1 on random windows of the learning footage (`steps` x `batch`,
// Adam), from at most `max_frames` frames kept in runs of 32 consecutive ones (a reservoir sample
// of runs when there are more). A frame's score: the squared error per pixel (mean over colours),
// averaged over `patch` x `patch` squares (stride patch / 2), the worst square's root: an RMSE in
// units of the [-1, 1] range. A video's first `context` frames score 0.
//
// RUN/predictor.pt (the weights, torch::save) and RUN/predictor.json (these options).
#pragma once

#include "vidrep/track/anomaly.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace vidrep {

struct PredictorOptions {
  int height = 72;          // the predictor's frame height (multiple of 4)
  int context = 4;          // frames seen per prediction
  int channels = 16;        // the U-Net's first width
  int steps = 1500;         // training steps
  int batch = 8;
  double lr = 1e-3;
  int patch = 8;            // the error's square, predictor pixels
  int64_t max_frames = 6000;  // learning frames kept (96x72: 20 KB each)
  uint64_t seed = 0;
  int threads = 0;          // LibTorch threads; 0: one per core
  std::function<void(int64_t step, int64_t steps, double loss)> progress;
};

class PredictorModel : public track::FrameModel {
 public:
  explicit PredictorModel(PredictorOptions options);
  ~PredictorModel() override;
  // Throws ConfigError naming the file.
  static std::shared_ptr<PredictorModel> load(const std::string& run_dir);

  void learn(const uint8_t* rgb, int width, int height, bool first) override;
  void fit() override;
  std::unique_ptr<track::FrameScorer> scorer() const override;
  void save(const std::string& run_dir) const override;

  const PredictorOptions& options() const { return o_; }
  int64_t kept_frames() const;
  double final_loss() const { return loss_; }

 private:
  struct Impl;
  PredictorOptions o_;
  std::unique_ptr<Impl> impl_;
  double loss_ = 0;
};

// track::FrameModelLoader for runs whose model.json names a predictor.
std::shared_ptr<track::FrameModel> load_predictor(const std::string& run_dir);
// An untrained predictor with the default options but these (the CLI's FrameModels::make).
std::shared_ptr<track::FrameModel> make_predictor(int steps, int height, int threads,
                                                  std::function<void(int64_t, int64_t, double)> progress);

}  // namespace vidrep
