// Moving-object tracking on a scene rendered by the ffmpeg CLI: two squares crossing on a noisy
// background whose lighting drifts. Each keeps its identity through the crossing (where the two
// merge into one foreground region), the lighting change and the noise make no track, the ghosts
// of where the squares stood when the model started are absorbed once they have stood still for a
// second, and the MOTChallenge file holds the boxes.
#include "vidrep/track/track_file.h"
#include "vidrep/track/tracker.h"

#include "vidrep/error.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

namespace vidrep {
namespace {

// 6 s at 25 fps, 320x240: A (red, 24x24) from x = 20 to the right at 40 px/s on y = 100, B (blue)
// from x = 276 to the left on y = 108; they cross at about t = 3.2 s.
std::string crossing() {
  return test::make_video(
      "track_crossing.mp4",
      "-f lavfi -i color=c=gray:size=320x240:rate=25:duration=6 -f lavfi -i color=c=red:size=24x24:rate=25 "
      "-f lavfi -i color=c=blue:size=24x24:rate=25 -filter_complex "
      "\"[0][1]overlay=x='20+40*t':y=100:shortest=1[a];[a][2]overlay=x='276-40*t':y=108:shortest=1,"
      "noise=alls=6:allf=t,eq=brightness='0.02*t':eval=frame\" -c:v libx264 -crf 18 -pix_fmt yuv420p");
}

track::Box truth(int which, double t) {
  return which == 0 ? track::Box{static_cast<float>(20 + 40 * t), 100, 24, 24}
                    : track::Box{static_cast<float>(276 - 40 * t), 108, 24, 24};
}

TEST(Track, IdentitiesSurviveACrossingAndLightingDrift) {
  std::map<int, std::map<int64_t, int64_t>> ids;  // truth object -> track id -> frames matched
  int64_t frames = 0, extra = 0;  // boxes after the first 2 s that fit neither square
  const track::TrackFileResult r = track::track_file(crossing(), {.threads = 1}, [&](const track::FrameTracks& f) {
    ++frames;
    for (const track::Tracked& t : f.objects) {
      bool matched = false;
      for (int k = 0; k < 2; ++k) {
        if (track::iou(t.box, truth(k, f.time)) >= 0.5f) {
          // Not before 1.7 s (the ghosts of the starting positions), nor while the squares overlap
          // (their one region's box may fit either).
          if (f.time >= 1.7 && track::iou(truth(0, f.time), truth(1, f.time)) == 0) ++ids[k][t.id];
          matched = true;
        }
      }
      if (!matched && f.time >= 2.0) ++extra;
    }
  });
  EXPECT_EQ(frames, 150);
  ASSERT_EQ(ids.size(), 2u);
  std::vector<int64_t> objects;  // each square's identity
  for (auto& [k, by_id] : ids) {
    // One identity covers the object for most of the video, before and after the crossing.
    int64_t best = 0, total = 0, id = 0;
    for (auto [i, n] : by_id) {
      total += n;
      if (n > best) best = n, id = i;
    }
    // From 1.7 s on: 108 frames, less the 15 where the squares overlap.
    EXPECT_GE(best, 85) << "object " << k << ": " << by_id.size() << " identities";
    EXPECT_EQ(best, total) << "object " << k << " was also matched to another track";
    objects.push_back(id);
  }
  for (const auto& s : r.tracks) {
    if (std::find(objects.begin(), objects.end(), s.id) != objects.end()) {
      EXPECT_LT(s.start, 1.0) << "track " << s.id;
      EXPECT_GT(s.end, 5.0) << "track " << s.id;
    } else {
      EXPECT_LT(s.end, 1.7) << "track " << s.id << " is no ghost of a starting position";
    }
  }
  // After that, boxes fit one square or the other, but where the two merge into one region
  // (their union, about 16 frames): nothing from the noise or the lighting.
  EXPECT_LE(extra, 20);
}

// Two objects passing one another on boxes alone: while they overlap, the detector sees one
// region (their union). Each keeps its identity and is reported on its own predicted box, not on
// the union, nor left out.
TEST(Tracker, MergedRegionKeepsEachObjectsBox) {
  const auto a = [](int f) { return track::Box{static_cast<float>(20 + 2 * f), 100, 24, 40}; };
  const auto b = [](int f) { return track::Box{static_cast<float>(220 - 2 * f), 104, 24, 40}; };
  track::Tracker tracker;
  std::map<int, int64_t> first_id;  // object -> its id in the first frame it was reported
  int merged_frames = 0;
  for (int f = 0; f < 70; ++f) {
    const track::Box A = a(f), B = b(f);
    std::vector<track::Box> detections{A, B};
    if (track::iou(A, B) > 0) {
      const float x0 = std::min(A.x, B.x), x1 = std::max(A.x + A.w, B.x + B.w);
      detections = {{x0, 100, x1 - x0, 44}};
      ++merged_frames;
    }
    const std::vector<track::Tracked> out = tracker.update(detections);
    if (f < 2) continue;  // confirmed from the third frame
    ASSERT_EQ(out.size(), 2u) << "frame " << f;
    for (const track::Tracked& t : out) {
      const int k = track::iou(t.box, A) >= track::iou(t.box, B) ? 0 : 1;
      EXPECT_GE(track::iou(t.box, k == 0 ? A : B), 0.5f) << "frame " << f << ", track " << t.id;
      first_id.emplace(k, t.id);
      EXPECT_EQ(first_id.at(k), t.id) << "frame " << f;
    }
  }
  EXPECT_GE(merged_frames, 10);
}

TEST(TrackCli, MotFileAndJsonLines) {
  const std::string dir = test::scratch_dir("track_cli");
  std::string out;
  ASSERT_EQ(test::run(test::cli() + " track " + crossing() + " --mot " + dir + "/mot.txt --json", &out), 0) << out;
  std::istringstream lines(out);
  std::string line;
  std::vector<nlohmann::json> json;
  while (std::getline(lines, line)) json.push_back(nlohmann::json::parse(line));
  ASSERT_GE(json.size(), 3u);
  EXPECT_EQ(json.back()["tracks"], json.size() - 1);
  EXPECT_GE(json[1]["detections"].get<int64_t>(), 120);
  EXPECT_EQ(json.back()["width"], 320);
  std::istringstream mot(test::read_bytes(dir + "/mot.txt"));
  int64_t rows = 0, first_frame = 1000;
  while (std::getline(mot, line)) {
    int64_t frame = 0, id = 0;
    double x = 0, y = 0, w = 0, h = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%ld,%ld,%lf,%lf,%lf,%lf,1,-1,-1,-1", &frame, &id, &x, &y, &w, &h), 6) << line;
    first_frame = std::min(first_frame, frame);
    EXPECT_GE(frame, 1);
    EXPECT_LE(frame, 150);
    ++rows;
  }
  EXPECT_GT(rows, 240);
  EXPECT_GE(first_frame, 1);
  // Bad input: exit status 2, one line, no MOT file.
  EXPECT_EQ(test::run(test::cli() + " track " + dir + "/missing.mp4 --mot " + dir + "/bad.txt", &out), 2);
  EXPECT_NE(out.find("missing.mp4"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/bad.txt"));
  EXPECT_EQ(test::run(test::cli() + " track " + crossing() + " --size 4", &out), 2);
  EXPECT_NE(out.find("--size"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
