#include "vidrep/report/page.h"

#include "vidrep/html.h"
#include "vidrep/report/charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace vidrep::report {
namespace {

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #202124; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #dadce0; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0; } th, td { padding: 3px 10px; border-bottom: 1px solid #e8eaed; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f1f3f4; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: #3c4043; } svg .chart-title { font-size: 13px; font-weight: 600; }
svg .grid { stroke: #eceff1; } svg .axis { stroke: #5f6368; } svg .legend { cursor: pointer; }
svg .legend.off { opacity: 0.35; } svg .series.off { display: none; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { width: 164px; border: 2px solid #dadce0; border-radius: 6px; padding: 4px; font-size: 12px; overflow-wrap: anywhere; }
.card.right { border-color: #34a853; } .card.wrong { border-color: #ea4335; }
.card img, .pair img { width: 160px; display: block; image-rendering: pixelated; }
.pair { display: inline-block; margin: 0 14px 10px 0; font-size: 12px; } .pair div { display: flex; gap: 4px; }
.note { color: #a50e0e; } .muted { color: #5f6368; } pre { background: #f8f9fa; padding: 8px; overflow: auto; max-height: 300px; }
)";

// Legends toggle their series; nothing else needs a script (tooltips are SVG <title>s).
constexpr const char* kScript = R"(
document.querySelectorAll('svg.chart').forEach(function (chart) {
  chart.querySelectorAll('g.legend').forEach(function (legend) {
    legend.addEventListener('click', function () {
      var label = legend.getAttribute('data-label');
      legend.classList.toggle('off');
      chart.querySelectorAll('g.series').forEach(function (g) {
        if (g.getAttribute('data-label') === label) g.classList.toggle('off');
      });
    });
  });
});
)";

std::string img(const std::string& png, const std::string& alt) {
  if (png.empty()) return "<div class=\"muted\">(no picture)</div>";
  return fmt::format("<img alt=\"{}\" src=\"data:image/png;base64,{}\">", escape_html(alt), base64(png));
}

// "class/file.mp4": the file's name with its folder (dataset files share names across classes).
std::string short_name(const std::string& path) {
  const size_t last = path.find_last_of('/');
  if (last == std::string::npos || last == 0) return path;
  const size_t before = path.find_last_of('/', last - 1);
  return path.substr(before == std::string::npos ? 0 : before + 1);
}

std::string fixed(double v, int digits = 3) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : "-"; }

const nlohmann::json* best_epoch(const RunSection& r) {
  const nlohmann::json* best = nullptr;
  for (const auto& e : r.epochs) {
    if (e.value("best", false)) best = &e;
  }
  return best;
}

// The value of `key` at each epoch as (epoch, value) points.
Series series_of(const RunSection& r, const std::string& key, const std::string& label, bool dashed) {
  Series s{label, {}, dashed};
  for (const auto& e : r.epochs) {
    if (e.contains(key) && e[key].is_number() && e.contains("epoch") && e["epoch"].is_number()) {
      s.points.emplace_back(e["epoch"].get<double>(), e[key].get<double>());
    }
  }
  return s;
}

std::string curves(const PageData& page) {
  // The charts: loss; each training score with its validation twin; the other validation
  // values; the learning rate.
  std::set<std::string> keys;
  for (const auto& r : page.runs) {
    for (const auto& e : r.epochs) {
      for (const auto& [k, v] : e.items()) {
        if (v.is_number()) keys.insert(k);
      }
    }
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> charts;
  charts.push_back({"loss", {"train_loss", "val_loss"}});
  std::set<std::string> shown = {"train_loss", "val_loss", "lr"};
  for (const auto& k : keys) {
    if (k.rfind("train_", 0) != 0 || shown.count(k) != 0 || k == "train_seconds") continue;
    const std::string name = k.substr(6);
    charts.push_back({name, {k, "val_" + name}});
    shown.insert(k), shown.insert("val_" + name);
  }
  for (const auto& k : keys) {
    if (k.rfind("val_", 0) == 0 && shown.count(k) == 0) charts.push_back({k.substr(4), {k}}), shown.insert(k);
  }
  const bool several = page.runs.size() > 1;
  std::string html = "<div class=\"charts\">\n";
  for (const auto& [title, series_keys] : charts) {
    LineChart chart{title, "epoch", "", {}, false};
    for (const auto& r : page.runs) {
      for (const auto& k : series_keys) {
        Series s = series_of(r, k, several ? r.name + " " + k : k, k.rfind("val_", 0) == 0);
        if (!s.points.empty()) chart.series.push_back(std::move(s));  // a run without this value
      }
    }
    if (!chart.series.empty()) html += line_chart(chart);
  }
  if (keys.count("lr") != 0) {
    LineChart chart{"learning rate", "epoch", "", {}, true};
    for (const auto& r : page.runs) chart.series.push_back(series_of(r, "lr", several ? r.name + " lr" : "lr", false));
    html += line_chart(chart);
  }
  return html + "</div>\n";
}

std::string summary(const PageData& page) {
  std::string html = fmt::format(
      "<table id=\"summary\"><tr><th>run</th><th>task</th><th>model</th><th>epochs</th><th>best epoch</th>"
      "<th>held-out ({})</th></tr>\n",
      escape_html(page.split));
  for (size_t i = 0; i < page.runs.size(); ++i) {
    const RunSection& r = page.runs[i];
    const nlohmann::json* best = best_epoch(r);
    std::string held_out = r.note.empty() ? "-" : "not evaluated";
    if (r.classification) {
      held_out = fmt::format("accuracy {} &middot; macro F1 {} &middot; {} videos", fixed(r.classification->accuracy),
                             fixed(r.classification->macro_f1), r.classification->count);
    } else if (r.autoencoder) {
      held_out = fmt::format("PSNR {} dB (resize {}) &middot; SSIM {} ({})", fixed(r.autoencoder->psnr, 2),
                             fixed(r.autoencoder->baseline_psnr, 2), fixed(r.autoencoder->ssim), fixed(r.autoencoder->baseline_ssim));
    }
    html += fmt::format("<tr><td><a href=\"#run-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", i,
                        escape_html(r.name), escape_html(r.task), escape_html(r.model), r.epochs.size(),
                        best && best->contains("epoch") ? best->at("epoch").dump() : "-", held_out);
  }
  return html + "</table>\n";
}

std::string classifier(const RunSection& r) {
  const ClassificationReport& c = *r.classification;
  std::string html;
  if (!c.confusion.empty()) {
    std::vector<std::string> names;
    for (const auto& m : c.per_class) names.push_back(m.name);
    html += heat_map({"confusion matrix (rows: true class)", names, names, c.confusion});
  }
  html += "<table class=\"per-class\"><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n";
  for (const ClassMetrics& m : c.per_class) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", escape_html(m.name), fixed(m.precision),
                        fixed(m.recall), fixed(m.f1), m.support);
  }
  html += fmt::format("<tr><th>all</th><th colspan=\"4\">accuracy {} &middot; top-5 {} &middot; macro F1 {} &middot; loss {}</th></tr></table>\n",
                      fixed(c.accuracy), fixed(c.top5), fixed(c.macro_f1), fixed(r.eval_loss));
  if (!r.samples.empty()) {
    html += "<h3>Sample predictions</h3>\n<div class=\"cards\">\n";
    for (const SampleCard& s : r.samples) {
      const bool right = s.truth == s.predicted;
      html += fmt::format("<div class=\"card {}\" title=\"{}\">{}<b>{}</b> ({:.0f} %)<br><span class=\"muted\">true: {}<br>{}</span></div>\n",
                          right ? "right" : "wrong", escape_html(s.path), img(s.png, s.path), escape_html(s.predicted),
                          s.confidence * 100, escape_html(s.truth), escape_html(short_name(s.path)));
    }
    html += "</div>\n";
  }
  return html;
}

std::string autoencoder(const RunSection& r) {
  const AeEvalResult& a = *r.autoencoder;
  std::string html = fmt::format(
      "<table class=\"ae\"><tr><th>{} clips of {}x{}x{}</th><th>PSNR dB</th><th>SSIM</th></tr>\n"
      "<tr><td>autoencoder (latent {}x{}x{}, {} values)</td><td>{}</td><td>{}</td></tr>\n"
      "<tr><td>resize to {}x{}x{} and back (as many values)</td><td>{}</td><td>{}</td></tr></table>\n",
      a.clips, a.clip[0], a.clip[1], a.clip[2], a.latent[0], a.latent[1], a.latent[2], a.latent_values, fixed(a.psnr, 2), fixed(a.ssim),
      a.baseline[0], a.baseline[1], a.baseline[2], fixed(a.baseline_psnr, 2), fixed(a.baseline_ssim));
  if (!r.pairs.empty()) {
    html += "<h3>Original and reconstruction (middle frame)</h3>\n";
    for (const PairCard& p : r.pairs) {
      html += fmt::format("<div class=\"pair\" title=\"{0}\"><div>{1}{2}</div>PSNR {3} dB<br><span class=\"muted\">{4}</span></div>\n",
                          escape_html(p.path), img(p.original_png, "original"), img(p.reconstruction_png, "reconstruction"),
                          fixed(p.psnr, 2), escape_html(short_name(p.path)));
    }
  }
  return html;
}

std::string run_details(const RunSection& r, size_t index) {
  std::string html = fmt::format("<section class=\"run\" id=\"run-{}\"><h2>{} <span class=\"muted\">{} &middot; {}</span></h2>\n", index,
                                 escape_html(r.name), escape_html(r.task), escape_html(r.dir));
  if (!r.note.empty()) html += fmt::format("<p class=\"note\">{}</p>\n", escape_html(r.note));
  if (r.classification) html += classifier(r);
  if (r.autoencoder) html += autoencoder(r);
  if (!r.skipped.empty()) {
    html += "<p class=\"note\">Left out (unreadable):</p><ul>";
    for (const auto& s : r.skipped) html += "<li>" + escape_html(s) + "</li>";
    html += "</ul>\n";
  }
  if (!r.config.is_null()) html += "<details><summary>config.json</summary><pre>" + escape_html(r.config.dump(2)) + "</pre></details>\n";
  return html + "</section>\n";
}

std::string timelines(const PageData& page) {
  if (page.timelines.empty()) return "";
  std::string html = "<h2 id=\"timelines\">Anomaly timelines</h2>\n";
  for (const TimelineFile& t : page.timelines) {
    std::string svg = t.svg;
    if (svg.rfind("<?xml", 0) == 0) svg.erase(0, svg.find("?>") + 2);
    html += fmt::format("<figure class=\"timeline\">{}<figcaption class=\"muted\">{}</figcaption></figure>\n", svg, escape_html(t.path));
  }
  return html;
}

std::string searches(const PageData& page) {
  if (page.searches.empty()) return "";
  std::string html = "<h2 id=\"searches\">Retrieval results</h2>\n";
  for (const SearchResult& s : page.searches) {
    html += fmt::format("<h3>{}</h3>\n<div class=\"cards\"><div class=\"card\">{}<b>query</b></div>\n", escape_html(s.query),
                        img(s.thumbnail, s.query));
    for (size_t k = 0; k < s.hits.size(); ++k) {
      const SearchHit& h = s.hits[k];
      html += fmt::format("<div class=\"card hit\" title=\"{}\">{}<b>#{} score {}</b><br>{}<br><span class=\"muted\">query {}-{} s, ref {}-{} s</span></div>\n",
                          escape_html(h.path), img(h.thumbnail, h.path), k + 1, fixed(h.score), escape_html(short_name(h.path)),
                          fixed(h.query_start, 1), fixed(h.query_end, 1), fixed(h.ref_start, 1), fixed(h.ref_end, 1));
    }
    html += "</div>\n";
  }
  return html;
}

// The numbers behind the page, for scripts and tests.
std::string data_json(const PageData& page) {
  nlohmann::json runs = nlohmann::json::array();
  for (const RunSection& r : page.runs) {
    nlohmann::json j = {{"name", r.name}, {"dir", r.dir}, {"task", r.task}, {"model", r.model}, {"epochs", r.epochs}};
    if (r.classification) j["classification"] = *r.classification;
    if (r.autoencoder) {
      j["autoencoder"] = {{"psnr", r.autoencoder->psnr}, {"ssim", r.autoencoder->ssim}, {"baseline_psnr", r.autoencoder->baseline_psnr},
                          {"baseline_ssim", r.autoencoder->baseline_ssim}, {"clips", r.autoencoder->clips}};
    }
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& s : r.samples) samples.push_back({{"path", s.path}, {"truth", s.truth}, {"predicted", s.predicted}, {"confidence", s.confidence}});
    j["samples"] = samples;
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& p : r.pairs) pairs.push_back({{"path", p.path}, {"psnr", p.psnr}});
    j["pairs"] = pairs;
    runs.push_back(j);
  }
  std::string text = nlohmann::json{{"split", page.split}, {"runs", runs}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // "</" cannot appear inside a script element.
  for (size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 2)) text.replace(at, 2, "<\\/");
  return text;
}

}  // namespace

std::string render_page(const PageData& page) {
  std::string title = "vidrep report";
  if (page.runs.size() == 1) title += ": " + page.runs[0].name;
  std::string html = fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title>\n"
                                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>{1}</style></head>\n"
                                 "<body>\n<h1>{0}</h1>\n",
                                 escape_html(title), kStyle);
  html += summary(page);
  html += "<h2 id=\"curves\">Training curves</h2>\n<p class=\"muted\">Per epoch; dashed: validation. Click a legend entry to hide its line.</p>\n";
  html += curves(page);
  for (size_t i = 0; i < page.runs.size(); ++i) html += run_details(page.runs[i], i);
  html += timelines(page);
  html += searches(page);
  html += "<script type=\"application/json\" id=\"report-data\">" + data_json(page) + "</script>\n";
  html += fmt::format("<script>{}</script>\n</body></html>\n", kScript);
  return html;
}

}  // namespace vidrep::report
