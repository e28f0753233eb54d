// AudioCopy: an input's audio packets passed through to a Muxer beside video that is written
// separately (copied or re-encoded), for a span of the input's clock: the packets that start inside
// it, shifted to the output's clock, in step with the video (pump before each video packet). Whole
// audio frames, in sync: the first may start up to one audio frame after the span does. Reads the
// file through its own Demuxer, so the video side may seek as it likes.
//
//   io::AudioCopy audio(path, mux, begin, end, video_time_base, notes);   // before mux.start()
//   audio.pump(mux, video_ts);   // before each video packet (input clock, video time base)
//   audio.pump(mux, end);        // the rest
#pragma once

#include "vidrep/io/demuxer.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/muxer.h"

#include <map>
#include <string>
#include <vector>

namespace vidrep::io {

class AudioCopy {
 public:
  // Adds a stream to `mux` for each audio stream of `path` that its container can hold (the
  // others are left out with a line in `notes`). [begin, end) in `time_base`, the input's clock.
  AudioCopy(const std::string& path, Muxer& mux, int64_t begin, int64_t end, AVRational time_base,
            std::vector<std::string>& notes);
  // Writes the packets that start before `ts` (in the time base given above).
  void pump(Muxer& mux, int64_t ts);
  int64_t packets() const { return packets_; }

 private:
  struct Stream {
    AVStream* out;
    AVRational tb;
    int64_t begin, end;  // the span in this stream's time base
  };
  bool done() const { return streams_.empty() || finished_.size() == streams_.size(); }

  Demuxer demuxer_;
  AVRational time_base_;
  std::map<int, Stream> streams_;
  std::map<int, bool> finished_;
  UniqueAVPacket pkt_ = make_packet();
  bool pending_ = false;
  int64_t packets_ = 0;
};

}  // namespace vidrep::io
