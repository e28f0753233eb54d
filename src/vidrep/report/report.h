// `vidrep report`: one self-contained HTML page (no network: inline SVG, CSS, images and a little
// script) for one run or comparing runs:
//   - a summary table (task, model, epochs, best epoch, the held-out scores);
//   - training curves from each RUN/metrics.jsonl (losses, the training/validation score, the
//     learning rate), runs and series overlaid;
//   - classifiers: the confusion matrix on the held-out split as a heat map, per-class precision,
//     recall and F1, and sample predictions with thumbnails;
//   - autoencoders: PSNR/SSIM on the held-out split against plain resizing, and
//     original/reconstruction pairs with each clip's PSNR;
//   - when given: anomaly timelines (the SVGs of `vidrep eval anomaly --timeline`) and retrieval
//     results (the JSON lines of `vidrep search --json`) with thumbnails.
// The numbers behind every chart are in the page as JSON (<script type="application/json"
// id="report-data">), so the page and its tests can read them back.
//
//   vidrep::report::write_report({"runs/c3d", "runs/vit"}, "report.html", {.split = "test"});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::report {

struct ReportOptions {
  std::string data;            // dataset folder to evaluate on; empty: each run's own
  std::string split = "test";  // the held-out split
  std::string checkpoint = "best";
  bool evaluate = true;        // false: summary and curves only (no dataset needed)
  int64_t samples = 12;        // sample predictions per classifier (reconstruction pairs: at most 4)
  std::vector<std::string> timelines;  // SVG files, or folders of them
  std::vector<std::string> searches;   // files of `vidrep search --json` lines
  int threads = 0;             // LibTorch threads for evaluation; 0: one per core
};

// The page. Throws ConfigError for a folder that is not a run or a malformed metrics.jsonl line
// (naming the file and line), OpenError for a timeline or search file that cannot be read, and
// the evaluation's errors. A run whose held-out split cannot be evaluated (its dataset moved)
// gets its curves and a note saying why, not an error.
std::string render_report(const std::vector<std::string>& runs, const ReportOptions& options = {});

// render_report() written to `path` through a temporary name (WriteError).
void write_report(const std::vector<std::string>& runs, const std::string& path, const ReportOptions& options = {});

}  // namespace vidrep::report
