#include "vidrep/report/charts.h"

#include "vidrep/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vidrep::report {
namespace {

constexpr double kWidth = 560, kHeight = 320, kLeft = 60, kRight = 16, kTop = 40, kBottom = 44;

// About five round tick values covering [lo, hi]; whole numbers only when `integers` (epochs).
std::vector<double> ticks(double lo, double hi, bool integers = false) {
  const double span = hi - lo;
  if (!(span > 0)) return {lo};
  const double raw = span / 5, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : raw / magnitude < 7.5 ? 5 : 10);
  if (integers) step = std::max(1.0, std::round(step));
  std::vector<double> out;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

std::string number(double v) { return fmt::format("{:.4g}", v); }

constexpr double kLegendRow = 15;

double legend_width(const std::string& label) { return 30 + 6.2 * static_cast<double>(label.size()); }

// Rows the legend takes when its entries wrap at the chart's width.
int legend_rows(const LineChart& chart) {
  int rows = 1;
  double x = kLeft;
  for (const Series& s : chart.series) {
    const double entry = legend_width(s.label);
    if (x + entry > kWidth - kRight && x > kLeft) x = kLeft, ++rows;
    x += entry;
  }
  return rows;
}

}  // namespace

const char* series_colour(size_t index) {
  static constexpr const char* kPalette[] = {"#1a73e8", "#d93025", "#188038", "#e37400", "#9334e6", "#007b83", "#b06000", "#5f6368"};
  return kPalette[index % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

std::string line_chart(const LineChart& chart) {
  const auto usable = [&](double y) { return std::isfinite(y) && (!chart.log_y || y > 0); };
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const Series& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      if (!usable(y) || !std::isfinite(x)) continue;
      const double v = chart.log_y ? std::log10(y) : y;
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, v), y_hi = std::max(y_hi, v);
    }
  }
  std::string svg = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "data-title=\"{2}\" role=\"img\" aria-label=\"{2}\">\n<text class=\"chart-title\" x=\"{3}\" y=\"20\">{2}</text>\n",
      kWidth, kHeight, escape_html(chart.title), kLeft);
  if (!std::isfinite(x_lo)) return svg + fmt::format("<text x=\"{}\" y=\"{}\">no values</text>\n</svg>\n", kLeft, kHeight / 2);
  if (x_hi == x_lo) x_lo -= 0.5, x_hi += 0.5;
  if (y_hi == y_lo) {
    const double pad = chart.log_y ? 0.5 : std::max(std::abs(y_hi) * 0.1, 1e-3);
    y_lo -= pad, y_hi += pad;
  } else if (!chart.log_y && y_lo > 0 && y_lo < (y_hi - y_lo) * 0.5) {
    y_lo = 0;  // start at zero when it is close
  }
  bool whole_x = true;
  for (const Series& s : chart.series) {
    for (const auto& [x, y] : s.points) whole_x = whole_x && x == std::round(x);
  }
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom - legend_rows(chart) * kLegendRow;
  const double top = kTop + legend_rows(chart) * kLegendRow;
  const auto px = [&](double x) { return kLeft + plot_w * (x - x_lo) / (x_hi - x_lo); };
  const auto py = [&](double v) { return top + plot_h * (1 - (v - y_lo) / (y_hi - y_lo)); };
  // Grid and axes.
  // On a log scale, round values of the quantity itself (within a decade, linear ticks read best).
  std::vector<double> y_ticks = ticks(y_lo, y_hi);
  if (chart.log_y) {
    y_ticks.clear();
    for (const double v : ticks(std::pow(10.0, y_lo), std::pow(10.0, y_hi))) {
      if (v > 0) y_ticks.push_back(std::log10(v));
    }
  }
  for (const double t : y_ticks) {
    const std::string label = chart.log_y ? number(std::pow(10.0, t)) : number(t);
    svg += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/><text class=\"tick\" x=\"{}\" "
                       "y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       kLeft, kWidth - kRight, py(t), py(t), kLeft - 4, py(t) + 4, label);
  }
  for (const double t : ticks(x_lo, x_hi, whole_x)) {
    svg += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", px(t), top + plot_h + 16, number(t));
  }
  svg += fmt::format("\n<line class=\"axis\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/><line class=\"axis\" x1=\"{0}\" x2=\"{3}\" "
                     "y1=\"{2}\" y2=\"{2}\"/>\n<text class=\"axis-label\" x=\"{4}\" y=\"{5}\" text-anchor=\"middle\">{6}</text>\n",
                     kLeft, top, top + plot_h, kWidth - kRight, kLeft + plot_w / 2, kHeight - 8, escape_html(chart.x_label));
  if (!chart.y_label.empty()) {
    svg += fmt::format("<text class=\"axis-label\" transform=\"translate(14,{:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                       top + plot_h / 2, escape_html(chart.y_label));
  }
  // One polyline and its points per series; the legend in rows under the title.
  double legend_x = kLeft, legend_y = kTop - 2;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const char* colour = series_colour(i);
    const std::string label = escape_html(s.label);
    std::string points, dots;
    for (const auto& [x, y] : s.points) {
      if (!usable(y) || !std::isfinite(x)) continue;
      const double v = chart.log_y ? std::log10(y) : y;
      points += fmt::format("{:.1f},{:.1f} ", px(x), py(v));
      dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" data-x=\"{}\" data-y=\"{}\"><title>{}: {} {} = {}</title></circle>",
                          px(x), py(v), number(x), fmt::format("{:.6g}", y), label, escape_html(chart.x_label), number(x),
                          fmt::format("{:.6g}", y));
    }
    svg += fmt::format("<g class=\"series\" data-label=\"{}\" stroke=\"{}\" fill=\"{}\"><polyline fill=\"none\" stroke-width=\"1.8\"{} "
                       "points=\"{}\"/>{}</g>\n",
                       label, colour, colour, s.dashed ? " stroke-dasharray=\"5,3\"" : "", points, dots);
    const double entry = legend_width(s.label);
    if (legend_x + entry > kWidth - kRight && legend_x > kLeft) legend_x = kLeft, legend_y += kLegendRow;
    svg += fmt::format("<g class=\"legend\" data-label=\"{0}\"><line x1=\"{1:.1f}\" x2=\"{2:.1f}\" y1=\"{6:.1f}\" y2=\"{6:.1f}\" "
                       "stroke=\"{3}\" stroke-width=\"2\"{4}/><text x=\"{5:.1f}\" y=\"{7:.1f}\">{0}</text></g>\n",
                       label, legend_x, legend_x + 16, colour, s.dashed ? " stroke-dasharray=\"5,3\"" : "", legend_x + 20,
                       legend_y - 4, legend_y);
    legend_x += entry;
  }
  return svg + "</svg>\n";
}

std::string heat_map(const HeatMap& map) {
  const size_t n_rows = map.rows.size(), n_cols = map.columns.size();
  size_t longest = 4, longest_column = 4;
  for (const auto& r : map.rows) longest = std::max(longest, r.size());
  for (const auto& c : map.columns) longest_column = std::max(longest_column, c.size());
  // Column labels are written at 45 degrees, so long class names fit over narrow cells.
  const double cell = n_cols > 12 ? 26 : 40, left = 12 + 7.0 * static_cast<double>(std::min<size_t>(longest, 24));
  const double top = 48 + 4.6 * static_cast<double>(std::min<size_t>(longest_column, 24));
  const double width = left + cell * static_cast<double>(n_cols) + 16, height = top + cell * static_cast<double>(n_rows) + 28;
  std::string svg = fmt::format(
      "<svg class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "data-title=\"{2}\" role=\"img\" aria-label=\"{2}\">\n<text class=\"chart-title\" x=\"8\" y=\"18\">{2}</text>\n"
      "<text class=\"axis-label\" x=\"{3:.1f}\" y=\"36\" text-anchor=\"end\">predicted &#8594;</text>\n"
      "<text class=\"axis-label\" x=\"8\" y=\"{4:.1f}\">true &#8595;</text>\n",
      width + 40, height, escape_html(map.title), left - 6, top - 6);
  for (size_t c = 0; c < n_cols; ++c) {
    const double x = left + cell * (static_cast<double>(c) + 0.5), y = top - 6;
    svg += fmt::format("<text class=\"tick\" transform=\"translate({:.1f},{:.1f}) rotate(-45)\">{}</text>", x, y,
                       escape_html(map.columns[c].substr(0, 24)));
  }
  svg += "\n";
  for (size_t r = 0; r < n_rows && r < map.counts.size(); ++r) {
    int64_t total = 0;
    for (const int64_t v : map.counts[r]) total += v;
    svg += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", left - 6,
                       top + cell * (r + 0.5) + 4, escape_html(map.rows[r].substr(0, 24)));
    for (size_t c = 0; c < n_cols && c < map.counts[r].size(); ++c) {
      const int64_t v = map.counts[r][c];
      const double share = total > 0 ? static_cast<double>(v) / static_cast<double>(total) : 0;
      const int shade = static_cast<int>(std::lround(255 - 200 * share));
      svg += fmt::format("<rect class=\"cell\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"rgb({},{},255)\" "
                         "data-row=\"{}\" data-column=\"{}\" data-count=\"{}\"><title>true {} predicted {}: {} ({:.0f} %)</title></rect>"
                         "<text class=\"count\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" style=\"fill:{}\">{}</text>\n",
                         left + cell * c, top + cell * r, cell - 1, cell - 1, shade, shade, r, c, v, escape_html(map.rows[r]),
                         escape_html(map.columns[c]), v, share * 100, left + cell * (c + 0.5), top + cell * (r + 0.5) + 4,
                         share > 0.6 ? "white" : "black", v);
    }
  }
  return svg + "</svg>\n";
}

}  // namespace vidrep::report
