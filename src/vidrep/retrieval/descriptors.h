// Per-second descriptors of videos: the unit of retrieval, copy detection and recommendation. A
// video becomes rows of L2-normalised float32 vectors, one per window of 1 / per_second seconds,
// each with its window's start and end time.
//
//   auto extractor = make_embedder(EmbedConfig::parse("features"));   // retrieval/embedder.h
//   VideoDescriptors d = extractor->embed("clip.mp4");  // d.features float32 [rows, dim()]
//   save_vsc_descriptors("e.npz", {d});                  // video_ids, timestamps, features
//
// Methods (EmbedConfig::parse):
//   features[:KINDS]  handcrafted (features/): each window's frames at kFeatureFrames per window,
//                     squeezed to kFeatureSize x kFeatureSize (an aspect change does not move
//                     them), described by colour histogram, colour moments, LBP texture and edge
//                     orientation (or the listed KINDS, e.g. features:color_hist, the plain colour
//                     histogram baseline), pooled globally (so a horizontal flip changes little),
//                     each group square-rooted (Hellinger) and L2-normalised, then concatenated
//                     and L2-normalised. An index whitens them with a PCA fitted on its collection.
//   run:DIR           a trained run's embedding (models/network.h: L2-normalised) of a clip of
//                     the run's length and size taken from each window.
//   ae:DIR            an autoencoder run's latent of each window, mean-pooled over space and time
//                     per channel with its spread (mean and standard deviation), L2-normalised.
#pragma once

#include "vidrep/array.h"
#include "vidrep/features/feature_extractor.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vidrep::retrieval {

enum class EmbedMethod { Features, Run, Autoencoder };

inline constexpr int kFeatureFrames = 4;  // frames a window gives the handcrafted descriptor
inline constexpr int kFeatureSize = 64;   // their side, in pixels

struct EmbedConfig {
  EmbedMethod method = EmbedMethod::Features;
  std::string kinds;        // features: the feature kinds ("" = the default four)
  std::string run_dir;      // run / ae: the run folder
  double per_second = 1.0;  // descriptors per second of video (VSC22 allows at most 1)
  int threads = 0;          // decoder and compute threads; 0: one per core

  // "features", "features:color_hist,lbp", "run:DIR" or "ae:DIR". Throws InvalidArgument.
  static EmbedConfig parse(const std::string& method, double per_second = 1.0);
  std::string method_text() const;  // as parse() takes it
  nlohmann::json to_json() const;   // what an index stores so that queries are embedded alike
  static EmbedConfig from_json(const nlohmann::json& j);
};

struct VideoDescriptors {
  std::string path;
  double duration = 0;        // seconds
  std::vector<double> start;  // per row: its window, seconds from the video's start
  std::vector<double> end;
  Array features;             // float32 [rows, dim], unit L2 norm

  int64_t rows() const { return static_cast<int64_t>(start.size()); }
};

// What turns a video into descriptors: embed() gives the rows of one file.
class DescriptorExtractor {
 public:
  virtual ~DescriptorExtractor() = default;
  virtual const EmbedConfig& config() const = 0;
  virtual int64_t dim() const = 0;
  // The video's descriptors: a row per window [k / per_second, (k + 1) / per_second) that holds a
  // frame, the last one ending at the video's end. Throws the reader's OpenError / DecodeError.
  virtual VideoDescriptors embed(const std::string& path) const = 0;
};

// The features method on frames already decoded: what embed() does to each window, for callers
// that decode the video themselves (curation describes clips from its one pass over a video).
class FeatureWindows {
 public:
  // InvalidArgument for another method or unknown kinds.
  explicit FeatureWindows(const EmbedConfig& config);
  int64_t dim() const { return extractor_.dim(); }
  // uint8 [K,T,kFeatureSize,kFeatureSize,3] (T frames of each window) -> float32 [K, dim()],
  // each row normalised as embed()'s rows are.
  Array describe(const Array& windows) const;

 private:
  features::FeatureExtractor extractor_;
};

// The features method's extractor (part of the I/O core, so `vidrep embed` with it starts without
// LibTorch). InvalidArgument for another method: retrieval/embedder.h makes every method's.
std::unique_ptr<DescriptorExtractor> make_feature_extractor(const EmbedConfig& config);

// VSC22's descriptor file: video_ids (strings: the paths, one per row), timestamps float32
// [N,2] (start, end seconds), features float32 [N,D]. Written atomically. Throws InvalidArgument
// for videos of different dimensions, WriteError.
void save_vsc_descriptors(const std::string& path, const std::vector<VideoDescriptors>& videos);

}  // namespace vidrep::retrieval
