// `vidrep report`: the charts carry the numbers they draw; a page for a classifier run and an
// autoencoder run holds their curves with the values of metrics.jsonl, the confusion matrix of the
// held-out split, per-class scores, sample predictions and reconstruction pairs with thumbnails,
// and the same numbers as JSON; bad runs are clear errors that write nothing.
#include "vidrep/report/charts.h"
#include "vidrep/report/report.h"

#include "vidrep/data/synth_dataset.h"
#include "vidrep/error.h"
#include "vidrep/html.h"
#include "vidrep/track/timeline.h"
#include "vidrep/train/trainer.h"

#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(ReportCharts, PointsAndCellsCarryTheirNumbers) {
  const std::string svg = report::line_chart(
      {.title = "loss <&>", .series = {{"train_loss", {{1, 0.9}, {2, 0.5}, {3, NAN}}, false}, {"val_loss", {{1, 1.25}}, true}}});
  EXPECT_NE(svg.find("data-title=\"loss &lt;&amp;&gt;\""), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 3);  // NaN is skipped
  EXPECT_NE(svg.find("data-x=\"2\" data-y=\"0.5\""), std::string::npos);
  EXPECT_NE(svg.find("data-y=\"1.25\""), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  const std::string empty = report::line_chart({.title = "lr", .series = {{"lr", {{1, 0.0}}, false}}, .log_y = true});
  EXPECT_NE(empty.find("no values"), std::string::npos);

  const std::string map = report::heat_map({"confusion", {"a", "b"}, {"a", "b"}, {{3, 1}, {0, 4}}});
  EXPECT_EQ(count(map, "class=\"cell\""), 4);
  EXPECT_NE(map.find("data-row=\"0\" data-column=\"1\" data-count=\"1\""), std::string::npos);
  EXPECT_NE(map.find("true a predicted b: 1 (25 %)"), std::string::npos);
}

TEST(ReportHtml, EscapeAndBase64) {
  EXPECT_EQ(escape_html("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xff\x00\x10", 3)), "/wAQ");
}

// The synthesiser's motion classes as tiny videos (9 frames at 16x16), a classifier and an
// autoencoder trained for a few epochs on them.
struct Runs {
  std::string data, classifier, autoencoder;
};

const Runs& runs() {
  static const Runs r = [] {
    const std::string dir = test::scratch_dir("report");
    synth::SynthOptions s;
    s.out = dir + "/motion";
    s.per_class = 6;
    s.frames = 9;
    s.width = 16;
    s.height = 16;
    synth::synth_dataset(s);
    TrainConfig c;
    c.data = s.out;
    c.model.arch = "c3d";
    c.model.frames = 8;
    c.model.width = c.model.height = 16;
    c.epochs = 3;
    c.batch = 8;
    c.patience = 0;
    c.threads = 2;
    train(c, dir + "/c3d");
    TrainConfig a;
    a.task = Task::Autoencode;
    a.data = s.out;
    a.autoencoder.channels = 8;
    a.autoencoder.max_channels = 16;
    a.autoencoder.width = a.autoencoder.height = 16;
    a.epochs = 2;
    a.batch = 8;
    a.patience = 0;
    a.threads = 2;
    train(a, dir + "/ae");
    return Runs{s.out, dir + "/c3d", dir + "/ae"};
  }();
  return r;
}

std::vector<nlohmann::json> metrics(const std::string& run) {
  std::vector<nlohmann::json> out;
  std::istringstream in(test::read_bytes(run + "/metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

TEST(ReportCli, ClassifierAndAutoencoderPage) {
  const Runs& r = runs();
  const std::string out = test::scratch_dir("report_page") + "/report.html";
  std::string log;
  ASSERT_EQ(test::run(test::cli() + " report " + r.classifier + " " + r.autoencoder + " --samples 8 --out " + out, &log), 0) << log;
  const std::string html = test::read_bytes(out);
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* remote : {"src=\"http", "href=\"http", "url(http", "@import"}) {
    EXPECT_EQ(html.find(remote), std::string::npos) << remote << ": the page must not reach the network";
  }

  // The numbers as JSON, equal to metrics.jsonl.
  const size_t start = html.find("id=\"report-data\">") + 17;
  const nlohmann::json data = nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start));
  ASSERT_EQ(data["runs"].size(), 2u);
  const std::vector<nlohmann::json> epochs = metrics(r.classifier);
  ASSERT_EQ(epochs.size(), 3u);
  EXPECT_EQ(data["runs"][0]["epochs"], nlohmann::json(epochs));
  // The loss chart draws every epoch's val_loss of both runs.
  for (const auto& e : epochs) {
    EXPECT_NE(html.find(fmt::format("data-x=\"{}\" data-y=\"{:.6g}\"", e["epoch"].get<int>(), e["val_loss"].get<double>())),
              std::string::npos)
        << e.dump();
  }
  EXPECT_NE(html.find("data-title=\"accuracy\""), std::string::npos);
  EXPECT_NE(html.find("data-title=\"psnr\""), std::string::npos);
  EXPECT_NE(html.find("data-title=\"learning rate\""), std::string::npos);

  // The classifier's held-out split: a K x K confusion matrix whose counts add up to the videos
  // evaluated, per-class rows, and 8 sample cards with thumbnails.
  const nlohmann::json& c = data["runs"][0]["classification"];
  const size_t classes = static_cast<size_t>(count(test::read_bytes(r.classifier + "/classes.txt"), "\n"));
  ASSERT_GE(classes, 4u);
  ASSERT_TRUE(c.is_object());
  int64_t total = 0;
  const std::regex cell("data-count=\"(\\d+)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), cell); it != std::sregex_iterator(); ++it) total += std::stoll((*it)[1]);
  EXPECT_EQ(total, c["count"].get<int64_t>());
  EXPECT_EQ(count(html, "class=\"cell\""), static_cast<int>(classes * classes));
  EXPECT_EQ(c["per_class"].size(), classes);
  EXPECT_EQ(data["runs"][0]["samples"].size(), 8u);
  EXPECT_EQ(count(html, "class=\"card right\"") + count(html, "class=\"card wrong\""), 8);
  // The autoencoder: PSNR against the resize baseline and 4 pairs of pictures.
  EXPECT_GT(data["runs"][1]["autoencoder"]["psnr"].get<double>(), 5.0);
  EXPECT_EQ(data["runs"][1]["pairs"].size(), 4u);
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), 8 + 2 * 4);
}

TEST(ReportCli, CurvesOnlyAndBadRuns) {
  const Runs& r = runs();
  const std::string dir = test::scratch_dir("report_bad");
  std::string log;
  // --no-eval needs no dataset; timelines and search results are shown when given.
  fs::create_directories(dir + "/timelines");
  track::write_timeline(dir + "/timelines/cam1.svg", {.title = "cam1.mp4", .scores = {0.1, 0.2, 0.9, 0.3}, .fps = 2,
                                                      .threshold = 0.5, .truth = {{1.0, 1.5, "running"}}, .alerts = {{1.0, 1.5, ""}}});
  const std::string video = r.data + "/videos/up/test_0000.mp4";
  std::ofstream(dir + "/search.jsonl") << nlohmann::json{{"query", video},
                                                         {"hits", {{{"path", video}, {"score", 0.97}, {"query_start", 0.0},
                                                                    {"query_end", 0.3}, {"ref_start", 0.0}, {"ref_end", 0.3}}}}}
                                              .dump()
                                       << "\n";
  ASSERT_EQ(test::run(test::cli() + " report " + r.classifier + " --no-eval --timeline " + dir + "/timelines --search " + dir +
                          "/search.jsonl --out " + dir + "/curves.html",
                      &log),
            0)
      << log;
  const std::string curves = test::read_bytes(dir + "/curves.html");
  EXPECT_EQ(curves.find("class=\"cell\""), std::string::npos);
  EXPECT_NE(curves.find("data-title=\"loss\""), std::string::npos);
  EXPECT_NE(curves.find("class=\"truth\""), std::string::npos);  // the timeline, inline
  EXPECT_NE(curves.find(">running<"), std::string::npos);
  EXPECT_NE(curves.find("score 0.970"), std::string::npos);         // the search hit
  EXPECT_EQ(count(curves, "src=\"data:image/png;base64,"), 2);      // query and hit thumbnails
  // Not a run: exit 2, the folder named, nothing written.
  EXPECT_EQ(test::run(test::cli() + " report " + dir + " --out " + dir + "/x.html", &log), 2);
  EXPECT_NE(log.find(dir), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir + "/x.html"));
  // A damaged metrics line is named with its line number.
  fs::copy(r.classifier, dir + "/broken", fs::copy_options::recursive);
  std::ofstream(dir + "/broken/metrics.jsonl", std::ios::app) << "{\"epoch\": 4, \"val_loss\n";
  EXPECT_EQ(test::run(test::cli() + " report " + dir + "/broken --no-eval --out " + dir + "/y.html", &log), 2);
  EXPECT_NE(log.find("metrics.jsonl:4"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir + "/y.html"));
}

}  // namespace
}  // namespace vidrep
