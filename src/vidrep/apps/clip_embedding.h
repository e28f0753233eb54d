// A trained run as a function of clips, for retrieval (retrieval/descriptors.h, methods run:DIR and
// ae:DIR): a classifier run's embedding, or an autoencoder run's latent pooled per channel.
//
//   auto net = vidrep::load_clip_embedding("runs/m", /*autoencoder=*/false, 0);
//   vidrep::Array e = net->embed(clips);   // uint8 [K,net->frames(),net->height(),net->width(),3]
//                                          //   -> float32 [K, net->dim()], unit rows
#pragma once

#include "vidrep/array.h"

#include <cstdint>
#include <memory>
#include <string>

namespace vidrep {

class ClipEmbedding {
 public:
  virtual ~ClipEmbedding() = default;
  virtual int64_t dim() const = 0;
  virtual int64_t frames() const = 0;  // per clip
  virtual int width() const = 0;       // of the frames it takes
  virtual int height() const = 0;
  // uint8 RGB clips [K,frames(),height(),width(),3] -> float32 [K, dim()], each row of unit norm.
  // Throws InvalidArgument for another shape.
  virtual Array embed(const Array& clips) const = 0;
};

// Loads RUN's best checkpoint. A classifier run (video modality) embeds a clip as its network's
// L2-normalised embedding, after the run's evaluation transform. An autoencoder run (autoencoder
// = true) encodes clips of its training size and frame count and describes each latent by the
// mean and standard deviation of every channel (2 x latent channels values), L2-normalised.
// threads: LibTorch's (0: one per core). Throws ConfigError for a run that cannot be loaded, of
// the other kind, or with audio input.
std::unique_ptr<ClipEmbedding> load_clip_embedding(const std::string& run_dir, bool autoencoder, int threads);

}  // namespace vidrep
