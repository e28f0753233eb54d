// The retrieval commands end to end (embed, index build/add/info, search, dedup, recommend, eval
// retrieval): the documented outputs and JSON keys, NumPy reading the VSC22 descriptor file, and
// bad input as exit status 2 with one line naming it.
#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using test::cli;
using test::run;

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] == '{') lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

// Three unrelated 6-second videos, and seconds 1-5 of the first re-encoded smaller.
struct Files {
  std::string a, b, c, copy;
};

const Files& files() {
  static const Files f = [] {
    const std::string common = " -t 6 -pix_fmt yuv420p -c:v libx264 -preset veryfast";
    Files f;
    f.a = test::make_video("retcli_a.mp4", "-f lavfi -i mandelbrot=size=128x96:rate=8,hue=h=t*50" + common);
    f.b = test::make_video("retcli_b.mp4", "-f lavfi -i testsrc2=size=128x96:rate=8" + common);
    f.c = test::make_video("retcli_c.mp4", "-f lavfi -i cellauto=size=128x96:rate=8:rule=110" + common);
    f.copy = test::make_video("retcli_copy.mp4", "-ss 1 -t 4 -i " + f.a + " -vf scale=96:72 -an -c:v libx264 -crf 32");
    return f;
  }();
  return f;
}

TEST(CliRetrieval, EmbedWritesVsc22DescriptorsNumpyReads) {
  const std::string dir = test::scratch_dir("retcli_embed");
  const std::string junk = dir + "/junk.mp4";
  std::ofstream(junk) << "not a video";
  std::string out;
  // One unreadable file: reported, the others written, exit status 2.
  EXPECT_EQ(run(cli() + " embed " + files().a + " " + files().b + " " + junk + " --json --out " + dir + "/e.npz", &out), 2)
      << out;
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(lines[0]["rows"], 6);
  EXPECT_TRUE(lines[2].contains("error"));
  const std::string script =
      "import sys, numpy as np\n"
      "z = np.load(sys.argv[1])\n"
      "ids, ts, f = z['video_ids'], z['timestamps'], z['features']\n"
      "assert ids.dtype.kind == 'U' and ts.shape == (len(ids), 2) and f.shape[0] == len(ids), (ids.dtype, ts.shape)\n"
      "assert f.dtype == np.float32 and np.allclose(np.linalg.norm(f, axis=1), 1, atol=1e-4)\n"
      "assert (ts[:, 1] > ts[:, 0]).all()\n"
      "print(len(set(ids)), len(ids), f.shape[1])\n";
  std::ofstream(dir + "/check.py") << script;
  ASSERT_EQ(run("/usr/bin/python3 " + dir + "/check.py " + dir + "/e.npz", &out), 0) << out;
  EXPECT_EQ(out.substr(0, 5), "2 12 ");
}

TEST(CliRetrieval, IndexSearchDedupRecommendAndEvaluate) {
  const std::string dir = test::scratch_dir("retcli_index");
  const std::string idx = dir + "/idx";
  std::string out;
  ASSERT_EQ(run(cli() + " index build " + files().a + " " + files().b + " --out " + idx + " --json", &out), 0) << out;
  ASSERT_EQ(run(cli() + " index add " + idx + " " + files().c + " " + files().a + " --json", &out), 0) << out;
  auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(lines[0]["skipped"], "already indexed");
  EXPECT_EQ(lines[1]["videos"], 3);
  ASSERT_EQ(run(cli() + " index info " + idx + " --json", &out), 0) << out;
  const auto info = nlohmann::json::parse(out);
  for (const char* key : {"index", "method", "per_second", "type", "dim", "videos", "rows"}) EXPECT_TRUE(info.contains(key)) << key;
  EXPECT_EQ(info["type"], "flat");
  EXPECT_EQ(info["rows"], 18);

  ASSERT_EQ(run(cli() + " search " + idx + " " + files().copy + " --k 2 --json", &out), 0) << out;
  lines = json_lines(out);
  ASSERT_EQ(lines.size(), 1u);
  const auto& hit = lines[0]["hits"][0];
  for (const char* key : {"path", "score", "query_start", "query_end", "ref_start", "ref_end"}) EXPECT_TRUE(hit.contains(key)) << key;
  EXPECT_EQ(hit["path"], files().a);
  EXPECT_NEAR(hit["ref_start"].get<double>(), 1.0, 1.0);
  EXPECT_NEAR(hit["ref_end"].get<double>(), 5.0, 1.0);

  ASSERT_EQ(run(cli() + " dedup " + files().a + " " + files().b + " " + files().copy + " --json", &out), 0) << out;
  lines = json_lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  EXPECT_EQ(lines[0]["videos"], (nlohmann::json{files().a, files().copy}));

  ASSERT_EQ(run(cli() + " recommend " + idx + " --history " + files().a + " --k 5 --json", &out), 0) << out;
  lines = json_lines(out);
  ASSERT_EQ(lines.size(), 2u);  // the two others
  for (const auto& l : lines) EXPECT_NE(l["path"], files().a);

  {
    std::ofstream truth(dir + "/truth.tsv");
    truth << files().copy << " " << files().a << " 0 4 1 5\n" << files().c << " -\n";
  }
  ASSERT_EQ(run(cli() + " eval retrieval --index " + idx + " --truth " + dir + "/truth.tsv --json", &out), 0) << out;
  const auto metrics = nlohmann::json::parse(out);
  for (const char* key : {"recall_at_1", "recall_at_5", "recall_at_10", "map", "micro_ap", "segment_ap"}) {
    EXPECT_TRUE(metrics.contains(key)) << key;
  }
  EXPECT_EQ(metrics["recall_at_1"], 1.0);
  EXPECT_EQ(metrics["queries"], 2);
}

TEST(CliRetrieval, BadInputExitsTwoWithOneLine) {
  const std::string dir = test::scratch_dir("retcli_bad");
  std::string out;
  EXPECT_EQ(run(cli() + " search " + dir + "/nothing " + files().a, &out), 2);
  EXPECT_NE(out.find("not a vidrep index"), std::string::npos) << out;
  EXPECT_EQ(run(cli() + " embed " + files().a + " --method magic --out " + dir + "/e.npz", &out), 2);
  EXPECT_NE(out.find("--method magic"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/e.npz"));
  EXPECT_EQ(run(cli() + " index build " + files().a + " --type ivfpq --out " + dir + "/i", &out), 2);
  EXPECT_NE(out.find("ivfpq"), std::string::npos) << out;
  EXPECT_EQ(run(cli() + " recommend " + dir + "/nothing --history x.mp4", &out), 2);
}

}  // namespace
}  // namespace vidrep
