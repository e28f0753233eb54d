// What a trained autoencoder run (`vidrep ae train`) is used for: encoding a video or image into
// a latent [C,t,h,w] and decoding a latent back into frames (its evaluation: train/evaluate.h).
//
//   at::Tensor z = vidrep::encode_file("runs/ae", "clip.mp4", {.frames = 17});   // [16,5,4,4]
//   at::Tensor frames = vidrep::decode_latent("runs/ae", z);                      // uint8 [17,32,32,3]
//   at::Tensor all = vidrep::LatentEncoder("runs/ae").encode("clip.mp4");       // [K,16,3,4,4]
//
// Clips enter the network as rgb / 255 in [0,1]; decoded frames are clamped to [0,1] and rounded
// to uint8.
#pragma once

#include "vidrep/curate/config.h"
#include "vidrep/io/video_reader.h"

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vidrep {

struct AeEncodeOptions {
  int64_t start = 0;                // first frame
  int64_t frames = 0;               // 0: the most frames up to 17 that the compression takes from `start`
  ReaderOptions reader;             // size (the frames must fit the compression), stream, threads
  std::string checkpoint = "best";
};

// float32 [C,t,h,w] latent of frames [start, start + frames) of a video, or of an image (png,
// jpg: a 1-frame video). InvalidArgument naming the file for a range outside the video, a frame
// count or size the compression does not take (with the counts that would fit).
at::Tensor encode_file(const std::string& run_dir, const std::string& path, const AeEncodeOptions& options = {});

// A run's encoder kept loaded, for many files (curation's KEY.latent.npy). encode() may be called
// from several threads at once.
class LatentEncoder {
 public:
  // ConfigError for a run that is not an autoencoder run or cannot be loaded.
  explicit LatentEncoder(const std::string& run_dir, const std::string& checkpoint = "best");
  // float32 [K,C,t,h,w]: every frame of the video squeezed to the run's training size, in K
  // consecutive chunks of the run's training frame count, each encoded on its own as the network
  // was trained (frames after the last whole chunk are left out; a video shorter than one chunk
  // gives one chunk of the most frames the network takes). Throws the reader's errors.
  at::Tensor encode(const std::string& path) const;

 private:
  struct Model;  // the network (models/autoencoder.h, kept out of this header)
  std::shared_ptr<const Model> model_;
};

// What `vidrep curate --ae RUN` ships beside each clip (curate/config.h's LatentEncoderFactory):
// LatentEncoder(run_dir).encode as a float32 Array. Sets LibTorch to one thread (curation's pool
// is the parallelism), which also keeps the latents the same whatever the cores.
curate::LatentEncoderFn curation_latents(const std::string& run_dir);

// uint8 [T,H,W,3] frames of a latent [C,t,h,w] (or [1,C,t,h,w]). InvalidArgument for a latent of
// another rank or channel count: "latent: expected [16,t,h,w] float32, got [8,5,4,4] float32".
at::Tensor decode_latent(const std::string& run_dir, const at::Tensor& latent, const std::string& checkpoint = "best");

}  // namespace vidrep
