// Shot detection on edits made by the ffmpeg CLI: hard cuts found at their exact frame, a fade
// through black and a dissolve found as one transition each, and no transition inside a flash or
// a fast pan; the CSV and JSON outputs of `vidrep shots`.
#include "vidrep/error.h"
#include "vidrep/shots/detector.h"

#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// Writes `name` in the scratch folder with the ffmpeg CLI: `inputs` (lavfi sources, 25 fps,
// 160x120) through `filter` (a filter_complex ending in [v]).
std::string make_edit(const std::string& name, const std::vector<std::string>& inputs, const std::string& filter) {
  const std::string path = test::scratch_dir("shots") + "/" + name + ".mp4";
  if (fs::exists(path)) return path;
  std::string cmd = "ffmpeg -y -v error";
  for (const auto& in : inputs) cmd += " -f lavfi -i \"" + in + "\"";
  cmd += " -filter_complex \"" + filter + "\" -map \"[v]\" -c:v libx264 -preset ultrafast -g 300 -pix_fmt yuv420p " + path;
  EXPECT_EQ(test::run(cmd), 0) << cmd;
  return path;
}

const char* kA = "testsrc2=size=160x120:rate=25:duration=2";
const char* kB = "smptebars=size=160x120:rate=25:duration=2";
const char* kC = "mandelbrot=size=160x120:rate=25,trim=duration=2";

// Three 2 s sources back to back: cuts before frames 50 and 100.
std::string three_shots() { return make_edit("cuts", {kA, kB, kC}, "[0][1][2]concat=n=3:v=1[v]"); }

TEST(Shots, HardCutsAtTheirExactFrames) {
  const shots::ShotList list = shots::detect_shots(three_shots());
  EXPECT_EQ(list.frames, 150);
  EXPECT_NEAR(list.fps, 25, 1e-6);
  ASSERT_EQ(list.transitions.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& t = list.transitions[i];
    EXPECT_EQ(t.type, "cut");
    EXPECT_EQ(t.end_frame, 50 * static_cast<int64_t>(i + 1));
    EXPECT_EQ(t.start_frame, t.end_frame - 1);
    EXPECT_DOUBLE_EQ(t.start, t.end_frame / 25.0);
    EXPECT_DOUBLE_EQ(t.end, t.start);
  }
  ASSERT_EQ(list.shots.size(), 3u);
  EXPECT_EQ(list.shots[0].start_frame, 0);
  EXPECT_EQ(list.shots[0].end_frame, 49);
  EXPECT_EQ(list.shots[1].start_frame, 50);
  EXPECT_EQ(list.shots[2].end_frame, 149);
  EXPECT_NEAR(list.shots[2].end, 6.0, 1e-6);
}

TEST(Shots, FlashesAndFastPansAreNotTransitions) {
  // Two frames of a flash (brightness +0.7) in one shot, and one 3-frame flash.
  const std::string flash = make_edit("flash", {"testsrc2=size=160x120:rate=25:duration=4"},
                                      "[0]eq=brightness=0.7:enable='between(n,30,31)+between(n,70,72)'[v]");
  EXPECT_TRUE(shots::detect_shots(flash).transitions.empty());
  // A pan at 12 pixels a frame across a wide picture.
  const std::string pan = make_edit("pan", {"testsrc2=size=800x120:rate=25:duration=2"},
                                    "[0]crop=160:120:'n*12':0[v]");
  EXPECT_TRUE(shots::detect_shots(pan).transitions.empty());
}

TEST(Shots, AFadeThroughBlackIsOneFade) {
  // A fades out over its last 10 frames (40-49), B fades in over its first 10 (50-59).
  const std::string fade = make_edit(
      "fade", {kA, kB}, "[0]fade=t=out:start_frame=40:nb_frames=10[a];[1]fade=t=in:start_frame=0:nb_frames=10[b];"
                        "[a][b]concat=n=2:v=1[v]");
  const shots::ShotList list = shots::detect_shots(fade);
  ASSERT_EQ(list.transitions.size(), 1u);
  const auto& t = list.transitions[0];
  EXPECT_EQ(t.type, "fade");
  EXPECT_GE(t.start_frame, 38);
  EXPECT_LE(t.start_frame, 40);
  EXPECT_GE(t.end_frame, 59);
  EXPECT_LE(t.end_frame, 61);
  ASSERT_EQ(list.shots.size(), 2u);
  EXPECT_EQ(list.shots[1].start_frame, (t.start_frame + t.end_frame + 1) / 2);
}

TEST(Shots, ADissolveIsOneDissolveOverItsBlendedFrames) {
  // xfade blends frames 30-49 (offset 1.2 s, 0.8 s long, ending with A's 2 s): A's last pure
  // frame is 29, B's first 50.
  const std::string dissolve = make_edit("dissolve", {kA, kB}, "[0][1]xfade=transition=fade:duration=0.8:offset=1.2[v]");
  const shots::ShotList list = shots::detect_shots(dissolve);
  ASSERT_EQ(list.transitions.size(), 1u);
  const auto& t = list.transitions[0];
  EXPECT_EQ(t.type, "dissolve");
  // The first and last few blended frames differ little from the shots: the ends may fall inside.
  EXPECT_GE(t.start_frame, 26);
  EXPECT_LE(t.start_frame, 33);
  EXPECT_GE(t.end_frame, 46);
  EXPECT_LE(t.end_frame, 53);
  EXPECT_EQ(list.shots.size(), 2u);
}

TEST(Shots, BadInputAndOptions) {
  EXPECT_THROW(shots::detect_shots(test::scratch_dir("shots") + "/missing.mp4"), OpenError);
  EXPECT_THROW(shots::detect_shots(three_shots(), {.size = 4}), InvalidArgument);
  EXPECT_THROW(shots::detect_shots(three_shots(), {.ratio = 0.5}), InvalidArgument);
}

TEST(ShotsCli, JsonAndPySceneDetectCsv) {
  const std::string dir = test::scratch_dir("shots_cli");
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " shots " + three_shots() + " --json --csv " + dir + "/s.csv", &out), 0) << out;
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["transitions"].size(), 2u);
  EXPECT_EQ(j["transitions"][0]["type"], "cut");
  EXPECT_EQ(j["transitions"][0]["start_frame"], 49);
  EXPECT_EQ(j["transitions"][0]["end_frame"], 50);
  EXPECT_DOUBLE_EQ(j["transitions"][1]["start"].get<double>(), 4.0);
  ASSERT_EQ(j["shots"].size(), 3u);
  std::ifstream csv(dir + "/s.csv");
  std::stringstream text;
  text << csv.rdbuf();
  EXPECT_EQ(text.str(),
            "Timecode List:,00:00:02.000,00:00:04.000\n"
            "Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,End Time (seconds),"
            "Length (frames),Length (timecode),Length (seconds)\n"
            "1,1,00:00:00.000,0.000,50,00:00:02.000,2.000,50,00:00:02.000,2.000\n"
            "2,51,00:00:02.000,2.000,100,00:00:04.000,4.000,50,00:00:02.000,2.000\n"
            "3,101,00:00:04.000,4.000,150,00:00:06.000,6.000,50,00:00:02.000,2.000\n");
  // An unreadable file among good ones: reported, the others done, exit status 2.
  std::ofstream(dir + "/bad.mp4") << "not a video";
  EXPECT_EQ(test::run(test::cli() + " shots " + three_shots() + " " + dir + "/bad.mp4 --json --csv " + dir + "/many", &out), 2);
  EXPECT_NE(out.find("\"error\""), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir + "/many/cuts-Scenes.csv"));
}

}  // namespace
}  // namespace vidrep
