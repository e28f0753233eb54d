// The report's pictures as self-contained SVG: line charts (training curves, one line per run
// and series) and heat maps (confusion matrices). Every point and cell carries its numbers in
// data- attributes and a <title> tooltip, so a page script or a test can read them back.
//
//   std::string svg = report::line_chart({.title = "loss", .x_label = "epoch",
//                                         .series = {{"m1 train_loss", {{1, 0.9}, {2, 0.5}}}}});
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vidrep::report {

struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y); non-finite y values are skipped
  bool dashed = false;                            // e.g. validation beside training
};

struct LineChart {
  std::string title;
  std::string x_label = "epoch";
  std::string y_label;
  std::vector<Series> series;
  bool log_y = false;  // for learning rates; non-positive values are skipped
};

std::string line_chart(const LineChart& chart);

struct HeatMap {
  std::string title;
  std::vector<std::string> rows, columns;  // labels: true classes (rows), predicted (columns)
  std::vector<std::vector<int64_t>> counts;
};

// Cells shaded by their share of the row (recall-style), the count written in each.
std::string heat_map(const HeatMap& map);

// A colour of the report's palette for series `index` (cycles).
const char* series_colour(size_t index);

}  // namespace vidrep::report
