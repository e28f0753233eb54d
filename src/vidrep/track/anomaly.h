// Learned normality of a static camera (`vidrep anomaly`): the density of how tracked objects move
// and look, per place in the picture, learnt from normal footage only. Free of LibTorch (the I/O
// core), so `watch --model` runs without it.
//
//   track::AnomalyModel m = track::train_anomaly({.videos = normal_files, .out = "runs/cam"});
//   track::AnomalyScorer s(m, height);                    // per video or stream
//   for (each frame) double score = s.update(time, tracked);   // higher: less like the normal footage
//
// An object's features, each frame once its track is 0.3 s old: its velocity over the last 0.5 s
// and over the last 2 s (vx, vy in picture heights per second: a walker's two agree, someone
// wandering about has a small long-term one), the log of its box's height / width and the log of
// its height / the picture's. Objects whose box touches the picture's edge (partly outside) are
// left out. The picture is cut into a grid (16 x 12); each cell keeps (up to 2000) feature vectors
// of the normal objects whose feet (the box's bottom centre) fell in it. An object is scored by a
// Gaussian kernel density over the samples of its cell (with fewer than 20, of the cell and the
// eight around it; bandwidths: 0.02 heights/s for velocity, 0.25 for the logs):
// -log(density + 1e-6). Where normal objects never were, the density is 0 and the score its
// maximum, 13.8. An object that stands still for a second becomes background in the tracker (a
// "stop"); the model counts the normal stops per cell (after a video's first 3 s, whose stops are
// the tracker's start-up), and a stop is scored for the 10 s after it by how rare stops are around
// its cell: -log(stops per second there x 10 + 1e-6). A frame's raw score is its highest object
// or stop score (0 without any); its score is the mean of the raw scores over the last 1.5 s.
//
// A run may also carry a frame model (`method` predict or both): a per-frame score of the whole
// picture learnt from the same footage, the future-frame predictor (apps/frame_prediction.h, which
// needs LibTorch and so is seen here only through FrameModel). Its raw score is averaged over the
// last 0.2 s only (a prediction error is brief: with 1.5 s, vtest 0.670 and the synthetic set 0.865
// instead of 0.802 and 0.887, README). With `both`, each of the two averaged scores is divided by
// its highest value on the held-out videos and the frame's score is their sum, so neither's units
// dominate.
//
// Training holds out the last `holdout` share of the normal videos (sorted by path; at least one
// when there are two or more): the alert threshold is the highest score on them, so that the
// held-out footage raises no alert.
#pragma once

#include "vidrep/track/track_file.h"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vidrep::track {

// A frame's raw score from the whole picture (higher: less like the learnt footage), one per video
// or stream, fed every frame in order.
class FrameScorer {
 public:
  virtual ~FrameScorer() = default;
  // `rgb`: the frame at the analysis size, packed RGB, width x height.
  virtual double update(const uint8_t* rgb, int width, int height) = 0;
};

// A frame-level model trained beside the objects' density (apps/frame_prediction.h).
class FrameModel {
 public:
  virtual ~FrameModel() = default;
  // Every learning frame at the analysis size, in order; `first`: a video's first frame.
  virtual void learn(const uint8_t* rgb, int width, int height, bool first) = 0;
  virtual void fit() = 0;  // after the last learn()
  virtual std::unique_ptr<FrameScorer> scorer() const = 0;
  virtual void save(const std::string& run_dir) const = 0;
};

// Loads the frame model of a run whose model.json names one (apps/frame_prediction.h's
// load_predictor); the I/O core cannot.
using FrameModelLoader = std::function<std::shared_ptr<FrameModel>(const std::string& run_dir)>;

// What makes a frame's score: the objects' density, the frame model, or both.
enum class AnomalyMethod { Density, Predict, Both };
AnomalyMethod parse_anomaly_method(const std::string& name);  // InvalidArgument naming --method
std::string to_string(AnomalyMethod method);

struct AnomalyOptions {
  std::vector<std::string> videos;  // normal footage
  std::string out;                  // the run folder (model.json)
  double holdout = 0.25;            // share of the videos kept for the threshold
  int grid_x = 16, grid_y = 12;
  int max_samples = 2000;           // per cell
  TrackFileOptions track;           // analysis size, objects, decoder threads
  AnomalyMethod method = AnomalyMethod::Density;
  std::shared_ptr<FrameModel> frame_model;  // untrained; required by Predict and Both
  std::function<void(int64_t done, int64_t total, const std::string& path)> progress;
};

// vx, vy (0.5 s), vx, vy (2 s), log aspect, log size, and the feet's x, y (each in its bandwidth).
using Features = std::array<float, 8>;

struct AnomalyModel {
  int grid_x = 16, grid_y = 12;
  int short_side = 240;
  double min_area = 0.001, still_seconds = 1.0;
  double threshold = 0;      // alert above this (frame score)
  AnomalyMethod method = AnomalyMethod::Density;
  std::shared_ptr<FrameModel> frame_model;  // with Predict and Both
  // The frame's score: object_weight x the objects' averaged score + frame_weight x the frame
  // model's (1 and 0 for Density, 0 and 1 for Predict; 1 / the held-out maxima for Both).
  double object_weight = 1, frame_weight = 0;
  std::vector<std::vector<Features>> cells;  // grid_y * grid_x, row-major
  std::vector<int64_t> stops;                 // normal stops per cell
  double train_seconds = 0;
  // What training saw: videos and frames used for the density and for the threshold.
  int64_t train_videos = 0, train_frames = 0, holdout_videos = 0, holdout_frames = 0, samples = 0;
  double holdout_max = 0, holdout_p999 = 0;

  // Throws OpenError / ConfigError naming the file; ConfigError for a run with a frame model
  // without `frames` (a front end without LibTorch).
  static AnomalyModel load(const std::string& run_dir, const FrameModelLoader& frames = {});
  // The same without the frame model (frame_model stays empty): the settings and the threshold,
  // for what does not score (`eval anomaly --model`).
  static AnomalyModel load_settings(const std::string& run_dir);
  // Whether RUN/model.json names a frame model (false when it cannot be read: load() says why).
  static bool has_frame_model(const std::string& run_dir);
  // RUN/model.json (and the frame model's files), each through a temporary name.
  void save(const std::string& run_dir) const;
  TrackFileOptions track_options() const;
};

// One video's (or stream's) scoring state.
class AnomalyScorer {
 public:
  // `height`: the picture's height in the boxes' pixels.
  AnomalyScorer(const AnomalyModel& model, int width, int height);
  // The frame's score (object_weight x the mean over the last 1.5 s of the highest object or stop
  // score + frame_weight x the mean of the frame model's over the last 0.2 s). `absorbed`: the tracks that became
  // background this frame (ObjectTracker::absorbed()). `rgb`: the frame at the analysis size
  // (width x height), for a model with a frame model.
  double update(double time, const std::vector<Tracked>& objects, const std::vector<Box>& absorbed = {},
                const uint8_t* rgb = nullptr, int width = 0, int height = 0);
  // The two averaged parts of the last update()'s score, unweighted (frame: 0 without a frame model).
  double object_score() const { return object_score_; }
  double frame_score() const { return frame_score_; }
  // What scored highest in the last update(): a tracked object (id >= 1), a stop (id 0, the box
  // that became background), or nothing (id -1).
  int64_t top_id() const { return top_id_; }
  const Box& top_box() const { return top_box_; }
  // The stops of the last update() that count (after the first 3 s), as cells.
  const std::vector<int>& stops() const { return stops_; }
  // The features of the objects old enough to have them, after update().
  const std::vector<std::pair<int64_t, Features>>& features() const { return features_; }
  // An object's score at (x, y) of the picture (fractions) with these features.
  double score(double x, double y, const Features& f) const;
  int cell(double x, double y) const;  // of the grid, for (x, y) in fractions

 private:
  const AnomalyModel& m_;
  int w_, h_;
  struct History {
    std::deque<std::pair<double, std::array<double, 2>>> feet;  // (time, feet position), pixels, last 2 s
    double first = 0, last = 0;
  };
  std::map<int64_t, History> history_;
  std::unique_ptr<FrameScorer> frames_;
  std::deque<std::array<double, 3>> recent_;  // (time, object raw score, frame raw score) over the last 1.5 s
  double object_score_ = 0, frame_score_ = 0;
  std::deque<std::pair<double, double>> active_stops_;  // (time, score) of the last 10 s
  std::vector<std::pair<int64_t, Features>> features_;
  std::vector<int> stops_;
  double start_ = -1;
  int64_t top_id_ = -1;
  Box top_box_;
  std::deque<Box> stop_boxes_;  // beside active_stops_
};

// Trains on options.videos and writes RUN/model.json. Throws InvalidArgument for fewer than one
// video or bad options, the readers' errors naming the file.
AnomalyModel train_anomaly(const AnomalyOptions& options);

struct FrameScore {
  int64_t frame = 0;
  double time = 0, score = 0;
  double object_score = 0, frame_score = 0;  // the two parts, unweighted (AnomalyScorer)
};

// Every frame's score of a video.
std::vector<FrameScore> score_video(const AnomalyModel& model, const std::string& path, int threads = 0);

}  // namespace vidrep::track
