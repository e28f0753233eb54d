// The descriptor extractor of any embedding method (descriptors.h): the handcrafted features, a
// trained run's embedding (run:DIR) or an autoencoder's pooled latent (ae:DIR), each applied to
// every window of a video.
//
//   auto embedder = vidrep::retrieval::make_embedder(EmbedConfig::parse("run:runs/contrastive"));
//   VideoDescriptors d = embedder->embed("clip.mp4");
#pragma once

#include "vidrep/retrieval/descriptors.h"

#include <memory>

namespace vidrep::retrieval {

// Loads the run for run: and ae:. Throws InvalidArgument for bad options, ConfigError for a run
// that cannot be loaded.
std::unique_ptr<DescriptorExtractor> make_embedder(const EmbedConfig& config);

}  // namespace vidrep::retrieval
