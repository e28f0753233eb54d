// `watch`: a square walking into a zone raises one intrusion alert, at the time it enters, with an
// evidence clip holding the source's own frames (copied packets, from the key frame before the
// pre-roll) and a thumbnail; on a loopback UDP stream started here, the alerts come from both of
// two sendings, the watch reconnects between them and stops cleanly on SIGINT.
#include "vidrep/track/track_json.h"
#include "vidrep/track/watch.h"

#include "vidrep/error.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// 6 s at 25 fps, 320x240, a key frame every second: a red 24x24 square from x = 20 to the right
// at 40 px/s on y = 100, over a noisy grey background. Its bottom centre crosses x = 160 at 3.2 s.
std::string walker() {
  return test::make_video(
      "watch_walker.mp4",
      "-f lavfi -i color=c=gray:size=320x240:rate=25:duration=6 -f lavfi -i color=c=red:size=24x24:rate=25 "
      "-filter_complex \"[0][1]overlay=x='20+40*t':y=100:shortest=1,noise=alls=6:allf=t\" "
      "-c:v libx264 -crf 18 -g 25 -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p");
}

const char* kZones = R"({"zones": [{"name": "right", "polygon": [[0.5,0],[1,0],[1,1],[0.5,1]], "intrusion": true}]})";

TEST(Watch, IntrusionAlertWithEvidenceFromAFile) {
  const std::string dir = test::scratch_dir("watch_file");
  track::WatchOptions o;
  o.rules = track::RuleConfig::from_json(kZones);
  o.alerts_dir = dir + "/alerts";
  o.pre_roll = 1;
  o.post_roll = 1;
  o.track.threads = 1;
  std::vector<track::WatchAlert> alerts;
  std::vector<track::WatchSecond> seconds;
  std::vector<std::string> events;
  const track::WatchResult r = track::watch(walker(), o,
                                            {.on_second = [&](const auto& s) { seconds.push_back(s); },
                                             .on_alert = [&](const auto& a) { alerts.push_back(a); },
                                             .on_status = [&](const auto& s) { events.push_back(s.event); }});
  EXPECT_EQ(r.frames, 150);
  EXPECT_EQ(r.reconnects, 0);
  EXPECT_EQ(events, (std::vector<std::string>{"connected", "end"}));
  ASSERT_EQ(seconds.size(), 6u);
  EXPECT_EQ(seconds[4].frames, 25);
  EXPECT_EQ(seconds[4].objects.size(), 1u);
  ASSERT_EQ(alerts.size(), 1u) << (alerts.size() > 1 ? alerts[1].type + " " + std::to_string(alerts[1].start) : "");
  const track::WatchAlert& a = alerts[0];
  EXPECT_EQ(a.type, "intrusion");
  EXPECT_EQ(a.zone, "right");
  EXPECT_NEAR(a.start, 3.2, 0.15);
  EXPECT_NEAR(a.end, a.start + 0.5, 0.05);
  ASSERT_EQ(a.boxes.size(), 1u);
  EXPECT_NEAR(a.boxes[0].x, 20 + 40 * a.end, 4);
  // The clip: from the key frame at or before start - 1 s (2 s: frame 50) to end + 1 s, the
  // source's own frames.
  ASSERT_EQ(a.clip, dir + "/alerts/000001-intrusion.mp4");
  const int64_t frames = test::ffprobe_frame_count(a.clip);
  EXPECT_GE(frames, static_cast<int64_t>((a.end + 1 - 2.0) * 25) - 1);
  EXPECT_LE(frames, static_cast<int64_t>((a.end + 1 - 2.0) * 25) + 3);
  for (const int64_t i : {int64_t{0}, frames - 1}) {
    EXPECT_EQ(test::mean_abs_diff(test::ffmpeg_frame(a.clip, i, 240, 320), test::ffmpeg_frame(walker(), 50 + i, 240, 320)), 0.0)
        << "clip frame " << i;
  }
  // The thumbnail: the analysed frame (240 lines) with the object boxed in red.
  ASSERT_EQ(a.thumbnail, dir + "/alerts/000001-intrusion.png");
  const at::Tensor thumb = test::ffmpeg_frame(a.thumbnail, 0, 240, 320);
  const int x = static_cast<int>(a.boxes[0].x), y = static_cast<int>(a.boxes[0].y);
  EXPECT_EQ(thumb[y][x + 5][0].item<uint8_t>(), 255);
  EXPECT_EQ(thumb[y][x + 5][1].item<uint8_t>(), 0);
  // The alert log: the alert as `watch --json` prints it.
  std::ifstream log(dir + "/alerts/alerts.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(log, line));
  EXPECT_EQ(nlohmann::json::parse(line), track::alert_json(a, a.clip, a.thumbnail));
  EXPECT_FALSE(std::getline(log, line));
  // Nothing half-written is left in the folder.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/alerts")) {
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
    ++files;
  }
  EXPECT_EQ(files, 3);

  // A second watch into the same folder adds its evidence after the first's.
  alerts.clear();
  track::watch(walker(), o, {.on_alert = [&](const auto& a) { alerts.push_back(a); }});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].clip, dir + "/alerts/000002-intrusion.mp4");
  EXPECT_TRUE(fs::exists(dir + "/alerts/000001-intrusion.mp4"));
  std::ifstream again(dir + "/alerts/alerts.jsonl");
  int lines = 0;
  while (std::getline(again, line)) ++lines;
  EXPECT_EQ(lines, 2);
}

TEST(Watch, BadSourcesAndOptionsAreClearErrors) {
  EXPECT_NE(test::error_message<OpenError>([] { track::watch("/nonexistent/cam.mp4", {}, {}); }).find("/nonexistent/cam.mp4"),
            std::string::npos);
  track::WatchOptions o;
  o.pre_roll = -1;
  EXPECT_NE(test::error_message<InvalidArgument>([&] { track::watch(walker(), o, {}); }).find("--pre-roll"), std::string::npos);
  std::string out;
  EXPECT_EQ(test::run(test::cli() + " watch " + walker() + " --zones /nonexistent/z.json", &out), 2);
  EXPECT_NE(out.find("/nonexistent/z.json"), std::string::npos) << out;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

TEST(WatchCli, UdpStreamReconnectsAndStopsOnSigint) {
  const std::string dir = test::scratch_dir("watch_udp");
  std::ofstream(dir + "/zones.json") << kZones;
  const std::string url = "udp://127.0.0.1:" + std::to_string(20000 + ::getpid() % 20000);
  const std::string send = "ffmpeg -nostdin -v error -re -i " + walker() + " -c copy -f mpegts " + url;
  // Sent twice with a pause longer than the timeout between; SIGINT 1.5 s after the second.
  const std::string script = test::cli() + " watch " + url + " --zones " + dir + "/zones.json --alerts-dir " + dir +
                             "/alerts --json --timeout 1.5 --pre-roll 1 --post-roll 1 > " + dir + "/out.jsonl 2> " + dir +
                             "/err.txt & W=$!; sleep 0.5; " + send + "; sleep 2.5; " + send + "; sleep 1.5; kill -INT $W; wait $W";
  std::string log;
  ASSERT_EQ(test::run("timeout 60 bash -c '" + script + "'", &log), 0) << log << test::read_bytes(dir + "/err.txt");
  std::vector<std::string> events;
  std::vector<nlohmann::json> alerts;
  int64_t frames = 0;
  double last_time = -1;
  for (const auto& j : json_lines(test::read_bytes(dir + "/out.jsonl"))) {
    if (j["kind"] == "status") events.push_back(j["event"]);
    if (j["kind"] == "alert") alerts.push_back(j);
    if (j["kind"] == "second") {
      frames += j["frames"].get<int64_t>();
      EXPECT_GT(j["time"].get<double>(), last_time);  // the clock goes on across the reconnection
      last_time = j["time"];
    }
  }
  EXPECT_EQ(events.front(), "connected");
  EXPECT_NE(std::find(events.begin(), events.end(), "reconnected"), events.end()) << test::read_bytes(dir + "/err.txt");
  EXPECT_EQ(events.back(), "stopped");
  // More than one sending's 150 frames: both were analysed. Not all 300: the start of the second
  // may fall in the reconnection, and UDP drops what a loaded machine reads late (221 measured
  // under ASan beside another test on 2 cores).
  EXPECT_GT(frames, 150);
  EXPECT_LE(frames, 300);
  // One intrusion per sending. A loaded machine may drop enough packets to break the square in
  // two for a moment, and a fragment entering the zone is an intrusion too (3 alerts measured
  // under ASan in CI), so more than two is allowed.
  ASSERT_GE(alerts.size(), 2u) << test::read_bytes(dir + "/out.jsonl");
  EXPECT_LT(alerts.front()["start"].get<double>(), 6.0) << alerts.front().dump();  // in the first sending
  EXPECT_GT(alerts.back()["start"].get<double>(), 8.0) << alerts.back().dump();    // on the watch's clock, in the second
  EXPECT_NE(alerts.front()["track_ids"], alerts.back()["track_ids"]);               // identities stay unique
  for (const auto& a : alerts) {
    EXPECT_EQ(a["type"], "intrusion");
    EXPECT_GT(test::ffprobe_frame_count(a["clip"].get<std::string>()), 25) << a.dump();
    EXPECT_TRUE(fs::exists(a["thumbnail"].get<std::string>())) << a.dump();
  }
}

}  // namespace
}  // namespace vidrep
