// Pieces the retrieval commands of vidrep-torch share (index, search, dedup, recommend, eval
// retrieval): a progress bar over files and a search hit as text (the embedding flags
// are in cli_common.h: `embed` runs in the front end too).
#pragma once

#include "progress.h"

#include "vidrep/retrieval/video_index.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace vidrep::cli {

// "embedding 3/40  clip.mp4" on a terminal's progress bar.
retrieval::IndexProgress file_progress(ProgressBar& bar, const std::string& verb);

// Skipped files: JSON lines {path, skipped}, or one stderr line each.
void report_skipped(const std::vector<retrieval::SkippedVideo>& skipped, bool json);
// Whether a skipped file was unreadable (not merely indexed already): exit status 2.
bool any_unreadable(const std::vector<retrieval::SkippedVideo>& skipped);

// "0.812  refs/a.mp4  query 2.0-7.0 s = ref 31.0-36.0 s"
std::string hit_text(const retrieval::SearchHit& hit);

}  // namespace vidrep::cli
