// Frame-exact cutting: clips of a file that start and end on exactly the frames asked for, with
// their audio, re-encoding as little as possible. A clip's whole GOPs are copied packet for packet
// (io/stream_copy.h's way: the input's own frames, bit-exact) and only the partial GOPs at its
// edges are decoded and re-encoded, then spliced in front of and behind the copied packets in the
// same stream ("smart" cut). Splicing needs an encoder that writes the input's codec and a stream
// the decoder can switch parameter sets in: H.264 (libx264, re-encoded frames without B-frames, the
// input's SPS/PPS sent again before the first copied IDR). A clip made of whole GOPs only is copied
// in any codec; otherwise (another codec, no whole GOP inside the clip, or `reencode`) the clip is
// re-encoded entirely with libx264. Audio packets are copied, those that start inside the clip's
// time span, with their own timestamps: in sync, whole audio frames (the first may start up to one
// audio frame, ~20 ms, after the video).
//
//   auto ranges = io::parse_cut_ranges("0-99,150-299,12.5s-20s");
//   std::vector<io::CutClip> clips = io::cut_clips("in.mp4", ranges, {"a.mp4", "b.mp4", "c.mp4"});
//   clips[0].mode;   // "copy" | "smart" | "reencode"
//
// Frames are numbered in presentation order, as FrameIndex and the ffmpeg CLI number them; the
// frame times of a clip are the input's, shifted so its first frame is at 0 (variable frame rate
// survives). Every output goes through a temporary name: a failed clip leaves no file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vidrep::io {

// One clip to cut: frames first..last inclusive, or, with `seconds`, the frames shown in
// [start, end) seconds from the file's start. last / end < 0: to the end.
struct CutRange {
  bool seconds = false;
  int64_t first = 0, last = -1;
  double start = 0, end = -1;
};

// "A-B,C-D,...": integers are frame numbers (inclusive), numbers with a decimal point or an "s"
// suffix are seconds ("1.5-3s", "12s-20s"); "A-" runs to the end. Throws InvalidArgument naming the
// bad part.
std::vector<CutRange> parse_cut_ranges(const std::string& text);

struct CutOptions {
  bool reencode = false;       // re-encode every frame instead of copying whole GOPs
  bool audio = true;           // copy the audio streams
  int crf = 16;                // libx264 quality of re-encoded frames (lower: better)
  std::string preset = "fast"; // libx264 preset
  int threads = 0;             // decoder/encoder threads; 0: one per core
};

struct CutClip {
  std::string path;
  int64_t first_frame = 0, last_frame = 0;  // the input's frames, inclusive
  double start = 0, end = 0;                // seconds of the input: first frame shown to the clip's end
  std::string mode;                         // "copy", "smart" or "reencode"
  int64_t copied_frames = 0, encoded_frames = 0;
  int64_t audio_packets = 0;
  std::vector<std::string> notes;           // why a clip was re-encoded, audio streams left out, ...
};

// Cuts `ranges` of `in_path` into `out_paths` (one per range). Throws InvalidArgument for a range
// outside the file, a container that cannot hold the video; OpenError / DecodeError for the input;
// WriteError for an output. Clips already written stay when a later one fails; `on_clip` hears of
// each as it is written.
std::vector<CutClip> cut_clips(const std::string& in_path, const std::vector<CutRange>& ranges,
                               const std::vector<std::string>& out_paths, const CutOptions& options = {},
                               const std::function<void(const CutClip&)>& on_clip = {});

}  // namespace vidrep::io
