#include "vidrep/track/timeline.h"

#include "vidrep/error.h"
#include "vidrep/html.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace vidrep::track {
namespace {

constexpr double kWidth = 1000, kHeight = 240, kLeft = 50, kRight = 10, kTop = 30, kBottom = 40;

}  // namespace

std::string timeline_svg(const Timeline& t) {
  const double seconds = std::max(1e-9, static_cast<double>(t.scores.size()) / std::max(1e-9, t.fps));
  double top = t.threshold;
  for (const double s : t.scores) {
    if (!std::isnan(s)) top = std::max(top, s);
  }
  top = top > 0 ? top * 1.05 : 1.0;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto x = [&](double sec) { return kLeft + plot_w * std::clamp(sec / seconds, 0.0, 1.0); };
  const auto y = [&](double score) { return kTop + plot_h * (1.0 - std::clamp(score / top, 0.0, 1.0)); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"18\" font-size=\"13\">{3}</text>\n",
      kWidth, kHeight, kLeft, escape_html(t.title));
  for (const TimelineSpan& e : t.truth) {
    svg += fmt::format("<rect class=\"truth\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#f4c7c3\"/>"
                       "<text x=\"{:.1f}\" y=\"{}\" fill=\"#a52714\">{}</text>\n",
                       x(e.start), kTop, std::max(1.0, x(e.end) - x(e.start)), plot_h, x(e.start) + 2, kTop + 12,
                       escape_html(e.label));
  }
  svg += "<polyline class=\"score\" fill=\"none\" stroke=\"#1a73e8\" stroke-width=\"1.2\" points=\"";
  for (size_t i = 0; i < t.scores.size(); ++i) {
    if (!std::isnan(t.scores[i])) svg += fmt::format("{:.1f},{:.1f} ", x(static_cast<double>(i) / t.fps), y(t.scores[i]));
  }
  svg += "\"/>\n";
  svg += fmt::format("<line class=\"threshold\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e37400\" "
                     "stroke-dasharray=\"6,4\"/><text x=\"{}\" y=\"{:.1f}\" fill=\"#e37400\">threshold {:.2f}</text>\n",
                     kLeft, kWidth - kRight, y(t.threshold), y(t.threshold), kLeft + 4, y(t.threshold) - 3, t.threshold);
  for (const TimelineSpan& a : t.alerts) {
    svg += fmt::format("<rect class=\"alert\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"6\" fill=\"#d93025\"/>\n", x(a.start),
                       kTop + plot_h + 4, std::max(2.0, x(a.end) - x(a.start)));
  }
  // Axes: score on the left, seconds below.
  svg += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"black\"/><line x1=\"{0}\" x2=\"{3}\" y1=\"{2}\" "
                     "y2=\"{2}\" stroke=\"black\"/>\n<text x=\"4\" y=\"{4:.1f}\">{5:.1f}</text><text x=\"4\" y=\"{2}\">0</text>\n",
                     kLeft, kTop, kTop + plot_h, kWidth - kRight, kTop + 4, top);
  const double step = seconds > 600 ? 60 : seconds > 120 ? 10 : seconds > 30 ? 5 : 1;
  for (double s = 0; s <= seconds + 1e-9; s += step) {
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>", x(s), kHeight - 14, s);
  }
  svg += fmt::format("\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\">seconds; shaded: ground truth; red bars: alerts</text>\n</svg>\n",
                     kWidth - kRight, kHeight - 2);
  return svg;
}

void write_timeline(const std::string& path, const Timeline& timeline) {
  io::OutputFile file(path);
  std::ofstream f(file.temp_path(), std::ios::binary);
  f << timeline_svg(timeline);
  f.close();
  if (!f) throw WriteError(fmt::format("{}: cannot write", path));
  file.commit();
}

}  // namespace vidrep::track
