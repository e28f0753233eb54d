#include "support/codec_fixtures.h"

#include "support/fixtures.h"

#include <map>
#include <stdexcept>

namespace vidrep::test {

namespace {

// testsrc2 moves every frame, so neighbouring frames differ and a wrong frame is caught.
const std::string kSrc = "-f lavfi -i testsrc2=size=160x120:rate=25 ";
const std::string kX264 = "-c:v libx264 -preset veryfast -bf 3 -g 24 -keyint_min 24 -sc_threshold 0 ";

struct Recipe {
  const char* file;
  std::string args;
};

const std::map<std::string, Recipe>& recipes() {
  static const std::map<std::string, Recipe> r = {
      {"h264_bframes", {"h264_bframes.mp4", kSrc + "-t 4 " + kX264 + "-pix_fmt yuv420p"}},
      {"h265_10bit", {"h265_10bit.mkv", kSrc + "-t 3 -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le "
                                               "-x265-params log-level=none:keyint=24:min-keyint=24:bframes=3"}},
      {"vp8", {"vp8.webm", kSrc + "-t 3 -c:v libvpx -g 30 -b:v 1M -deadline realtime -cpu-used 8"}},
      {"vp9", {"vp9.webm", kSrc + "-t 3 -c:v libvpx-vp9 -g 30 -b:v 1M -deadline good -cpu-used 8"}},
      {"av1", {"av1.mkv", kSrc + "-t 2 -c:v libaom-av1 -cpu-used 8 -usage realtime -g 24 -b:v 400k"}},
      {"mpeg2", {"mpeg2.ts", kSrc + "-t 3 -c:v mpeg2video -bf 2 -g 12 -q:v 3"}},
      {"mpeg4", {"mpeg4.avi", kSrc + "-t 3 -c:v mpeg4 -g 12 -q:v 3"}},
      // B-frames in AVI: packets carry no presentation times at all.
      {"mpeg4_bframes", {"mpeg4_bframes.avi", kSrc + "-t 3 -c:v mpeg4 -bf 2 -g 12 -q:v 3"}},
      {"mjpeg", {"mjpeg.avi", kSrc + "-t 2 -c:v mjpeg -q:v 3 -pix_fmt yuvj420p"}},
      {"odd_444", {"odd_444.mp4", "-f lavfi -i testsrc2=size=97x55:rate=25 -t 2 " + kX264 + "-pix_fmt yuv444p"}},
      {"upright", {"upright.mp4", "-f lavfi -i testsrc2=size=160x96:rate=25 -t 2 " + kX264 + "-pix_fmt yuv420p"}},
      // Every fourth frame dropped with its timestamp kept: gaps of 40 and 80 ms.
      {"vfr", {"vfr.mkv", kSrc + "-t 3 -vf select='not(eq(mod(n\\,4)\\,3))' -fps_mode passthrough " + kX264 +
                              "-pix_fmt yuv420p"}},
  };
  return r;
}

}  // namespace

std::vector<std::string> codec_fixture_names() {
  std::vector<std::string> names;
  for (const auto& [name, recipe] : recipes()) names.push_back(name);
  names.push_back("rotate90");
  names.push_back("edit_list");
  return names;
}

std::string codec_fixture(const std::string& name) {
  if (name == "rotate90") {
    // ffmpeg 5.1 writes a display matrix only when stream-copying with the rotate tag.
    const std::string src = codec_fixture("upright");
    return make_video("rotate90.mp4", "-i '" + src + "' -c copy -metadata:s:v:0 rotate=90");
  }
  if (name == "edit_list") {
    // Stream copy from mid-GOP: the MP4 gets an edit list and packets the decoder must decode but
    // not show.
    const std::string src = codec_fixture("h264_bframes");
    return make_video("edit_list.mp4", "-ss 1.3 -i '" + src + "' -c copy");
  }
  const auto it = recipes().find(name);
  if (it == recipes().end()) throw std::invalid_argument("no codec fixture " + name);
  return make_video(it->second.file, it->second.args);
}

}  // namespace vidrep::test
