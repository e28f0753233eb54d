// The report page from what report.cpp collected: the data of each section and render_page(),
// which lays it out as one self-contained HTML file (inline CSS, SVG, PNG thumbnails as data:
// URLs, a small script for the legends, and the numbers as JSON for readers of the page).
#pragma once

#include "vidrep/train/evaluate.h"
#include "vidrep/train/metrics.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace vidrep::report {

struct SampleCard {
  std::string path, truth, predicted;
  double confidence = 0;
  std::string png;  // the video's middle frame
};

struct PairCard {
  std::string path;
  double psnr = 0;  // dB over the whole clip
  std::string original_png, reconstruction_png;  // the clip's middle frame
};

struct SearchHit {
  std::string path;
  double score = 0, query_start = 0, query_end = 0, ref_start = 0, ref_end = 0;
  std::string thumbnail;  // png; empty when the file is not there
};

struct SearchResult {
  std::string query;
  std::string thumbnail;
  std::vector<SearchHit> hits;
};

struct TimelineFile {
  std::string path;
  std::string svg;
};

struct RunSection {
  std::string dir, name, task, model;
  nlohmann::json config;               // config.json as written (null when unreadable)
  std::vector<nlohmann::json> epochs;  // metrics.jsonl
  std::optional<ClassificationReport> classification;
  double eval_loss = 0;
  std::optional<AeEvalResult> autoencoder;
  std::vector<SampleCard> samples;
  std::vector<PairCard> pairs;
  std::vector<std::string> skipped;  // unreadable files of the held-out split
  std::string note;                  // why the run was not evaluated
};

struct PageData {
  std::vector<RunSection> runs;
  std::vector<TimelineFile> timelines;
  std::vector<SearchResult> searches;
  std::string split = "test";
};

std::string render_page(const PageData& page);

}  // namespace vidrep::report
