// Pieces the retrieval commands share (embed, index, search, dedup, recommend, eval retrieval):
// the embedding flags, a progress bar over files, and the JSON of a search hit.
#pragma once

#include "progress.h"

#include "vidrep/retrieval/video_index.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace vidrep::cli {

struct EmbedFlags {
  std::string method = "features";
  double per_second = 1.0;
  int threads = 0;
};
void add_embed_flags(CLI::App* cmd, EmbedFlags& flags);
retrieval::EmbedConfig embed_config(const EmbedFlags& flags);

// "embedding 3/40  clip.mp4" on a terminal's progress bar.
retrieval::IndexProgress file_progress(ProgressBar& bar, const std::string& verb);

nlohmann::json hit_json(const retrieval::SearchHit& hit);
// "0.812  refs/a.mp4  query 2.0-7.0 s = ref 31.0-36.0 s"
std::string hit_text(const retrieval::SearchHit& hit);

}  // namespace vidrep::cli
