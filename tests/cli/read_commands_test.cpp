// The CLI's reading commands end to end: outputs are right, bad input gives exit status 2 with
// one line naming the file and reason, and no output file is left behind.
#include "vidrep/io/npy.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using test::cli;
using test::run;

std::string quote(const std::string& s) { return "'" + s + "'"; }

TEST(CliRead, ProbeJsonHasTheDocumentedKeys) {
  const std::string path = test::codec_fixture("h264_bframes");
  std::string out;
  ASSERT_EQ(run(cli() + " probe --json " + quote(path) + " " + quote(test::codec_fixture("vp9")), &out), 0) << out;
  std::istringstream lines(out);
  std::string line;
  int objects = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    for (const char* key : {"path", "format", "duration", "streams"}) EXPECT_TRUE(j.contains(key)) << key;
    const auto& v = j["streams"][0];
    for (const char* key : {"type", "codec", "width", "height", "rotation", "fps", "frames", "pix_fmt"}) {
      EXPECT_TRUE(v.contains(key)) << key;
    }
    ++objects;
  }
  EXPECT_EQ(objects, 2);
}

TEST(CliRead, FramesByIndexRangeAndTime) {
  const std::string path = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("cli_frames");
  std::string out;
  ASSERT_EQ(run(cli() + " frames " + quote(path) + " --indices 7,3 --size 32x24 --out " + dir + "/a.npy", &out), 0) << out;
  VideoReader reader(path, {.width = 32, .height = 24});
  EXPECT_TRUE(at::equal(to_tensor(io::load_npy(dir + "/a.npy")), to_tensor(reader.read_frames({7, 3}))));
  ASSERT_EQ(run(cli() + " frames " + quote(path) + " --range 10:20:5 --out " + dir + "/b.npy", &out), 0) << out;
  EXPECT_EQ(to_tensor(io::load_npy(dir + "/b.npy")).size(0), 2);
  ASSERT_EQ(run(cli() + " frames " + quote(path) + " --times 0.5 --json --out " + dir + "/c.npy", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["indices"][0], 12);  // 25 fps: frame 12 is on screen at 0.5 s
}

TEST(CliRead, ClipsJsonIsDeterministic) {
  const std::string path = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("cli_clips");
  const std::string cmd = cli() + " clips " + quote(path) +
                          " --sampler random --clips 3 --length 4 --stride 2 --seed 9 --size 32x24 --json --out ";
  std::string a, b;
  ASSERT_EQ(run(cmd + dir + "/a.npy", &a), 0) << a;
  ASSERT_EQ(run(cmd + dir + "/b.npy", &b), 0) << b;
  EXPECT_EQ(nlohmann::json::parse(a)["clips"], nlohmann::json::parse(b)["clips"]);
  EXPECT_EQ(to_tensor(io::load_npy(dir + "/a.npy")).sizes(), (at::IntArrayRef{3, 4, 24, 32, 3}));
}

struct BadCase {
  std::string args;     // after "vidrep"
  std::string message;  // must appear on stderr
};

TEST(CliRead, BadInputExitsTwoWithOneLineAndNoOutput) {
  const std::string dir = test::scratch_dir("cli_bad");
  const std::string good = test::codec_fixture("h264_bframes");
  test::run("printf 'not a video' > " + dir + "/notes.txt");
  test::run("head -c 20000 " + quote(good) + " > " + dir + "/cut.mp4");
  const std::vector<BadCase> cases = {
      {"frames /nonexistent.mp4 --indices 0", "/nonexistent.mp4: no such file"},
      {"frames " + dir + "/notes.txt --indices 0", "notes.txt: cannot open"},
      {"frames " + dir + "/cut.mp4 --indices 0", "cut.mp4"},
      {"frames " + quote(good) + " --indices 0,500", "frame 500 out of range"},
      {"frames " + quote(good) + " --indices 0 --size 0x10", "--size: impossible size"},
      {"frames " + quote(good) + " --indices x", "--indices: 'x' is not a number"},
      {"clips " + quote(good) + " --sampler sideways", "unknown sampler 'sideways'"},
      {"clips " + quote(good) + " --length 500 --out-of-range error", "needs 500"},
      {"probe /nonexistent.mp4", "/nonexistent.mp4: no such file"},
  };
  for (const BadCase& c : cases) {
    const std::string out_path = dir + "/out.npy";
    std::string err;
    const bool needs_out = c.args.rfind("probe", 0) != 0;
    // Only stderr reaches `err`: the subshell sends stdout away and stderr into the pipe.
    const std::string out_flag = needs_out ? fmt::format(" --out {}", out_path) : "";
    const int status = run(fmt::format("({} {}{} 2>&1 >/dev/null)", cli(), c.args, out_flag), &err);
    EXPECT_EQ(status, 2) << c.args << "\n" << err;
    EXPECT_NE(err.find(c.message), std::string::npos) << c.args << "\n" << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << c.args << "\n" << err;
    EXPECT_FALSE(fs::exists(out_path)) << c.args;
  }
  // Nothing half-written under a temporary name either.
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST(CliRead, HelpAndVersion) {
  std::string out;
  EXPECT_EQ(run(cli() + " --version", &out), 0);
  EXPECT_NE(out.find("vidrep "), std::string::npos);
  for (const char* cmd : {"probe", "frames", "clips", "audio", "encode", "demo"}) {
    EXPECT_EQ(run(cli() + " " + cmd + " --help", &out), 0) << cmd;
    EXPECT_NE(out.find("--"), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace vidrep
