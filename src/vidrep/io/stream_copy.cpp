#include "vidrep/io/stream_copy.h"

#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/muxer.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>

namespace vidrep::io {
namespace {

int64_t to_ts(double seconds, AVRational tb) { return static_cast<int64_t>(std::llround(seconds / av_q2d(tb))); }

}  // namespace

CopyResult copy_streams(const std::string& in_path, const std::string& out_path, const CopyOptions& o) {
  if (!(o.start >= 0) || (o.end >= 0 && o.end <= o.start)) {
    throw InvalidArgument(fmt::format("{}: copy range [{}, {}) s: expected 0 <= start < end", in_path, o.start, o.end));
  }
  Demuxer in(in_path);
  const int video = in.select_stream(AVMEDIA_TYPE_VIDEO, -1);
  const FrameIndex index(in, video);
  const AVStream* vst = in.stream(video);
  const AVRational vtb = vst->time_base;
  const double origin = in.format()->start_time != AV_NOPTS_VALUE ? in.format()->start_time / double(AV_TIME_BASE) : 0.0;
  const auto time_of = [&](int64_t pts) { return pts * av_q2d(vtb) - origin; };

  // The GOPs covering [start, end).
  const int64_t first_shown = std::max<int64_t>(index.displayed_at(to_ts(o.start + origin, vtb)), 0);
  const int64_t start_key = index[first_shown].key;
  const auto& keys = index.keys();
  auto end_key = static_cast<int64_t>(keys.size());  // none: to the end
  if (o.end >= 0) {
    for (auto k = static_cast<size_t>(start_key) + 1; k < keys.size(); ++k) {
      if (keys[k].pts != AV_NOPTS_VALUE && time_of(keys[k].pts) >= o.end) {
        end_key = static_cast<int64_t>(k);
        break;
      }
    }
  }
  CopyResult r;
  r.first_frame = keys[static_cast<size_t>(start_key)].first_frame;
  const int64_t end_frame = end_key < static_cast<int64_t>(keys.size()) ? keys[static_cast<size_t>(end_key)].first_frame
                                                                        : index.size();
  r.frames = end_frame - r.first_frame;
  if (r.frames < 1) throw InvalidArgument(fmt::format("{}: no frame in [{}, {}) s", in_path, o.start, o.end));
  r.start = time_of(index[r.first_frame].pts);
  r.end = end_frame < index.size() ? time_of(index[end_frame].pts) : std::numeric_limits<double>::infinity();

  Muxer out(out_path);
  std::map<int, AVStream*> streams;  // input stream index -> output stream
  std::map<int, int64_t> offsets;    // per input stream: its timestamp of the output's time 0
  streams[video] = out.add_copy(vst);
  for (unsigned s = 0; o.audio && s < in.format()->nb_streams; ++s) {
    const AVStream* st = in.stream(static_cast<int>(s));
    if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) streams[static_cast<int>(s)] = out.add_copy(st);
  }
  for (const auto& [s, _] : streams) offsets[s] = to_ts(r.start + origin, in.stream(s)->time_base);
  out.start();

  const KeyPacket& first = keys[static_cast<size_t>(start_key)];
  // Read from the seek on with every stream: audio inside the range may come before the key packet.
  in.seek(video, first.dts != AV_NOPTS_VALUE ? first.dts : first.pts);
  UniqueAVPacket pkt = make_packet();
  bool in_range = false, video_done = false, audio_done = !o.audio;
  while ((!video_done || !audio_done) && in.read(pkt.get(), -1)) {
    const auto it = streams.find(pkt->stream_index);
    if (it == streams.end()) continue;
    const AVStream* ist = in.stream(pkt->stream_index);
    if (pkt->stream_index == video) {
      if (video_done) continue;
      if (!in_range && is_key_packet(pkt.get(), first)) in_range = true;
      if (in_range && end_key < static_cast<int64_t>(keys.size()) && is_key_packet(pkt.get(), keys[static_cast<size_t>(end_key)])) {
        video_done = true;
        continue;
      }
      if (!in_range) continue;
      ++r.video_packets;
    } else {
      const int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
      if (pts == AV_NOPTS_VALUE) continue;
      const double t = pts * av_q2d(ist->time_base) - origin;
      if (t >= r.end) {
        audio_done = true;
        continue;
      }
      if (t < r.start) continue;
      ++r.audio_packets;
    }
    const int64_t offset = offsets[pkt->stream_index];
    if (pkt->pts != AV_NOPTS_VALUE) pkt->pts -= offset;
    if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= offset;
    out.write(pkt.get(), it->second, ist->time_base);
  }
  if (r.video_packets == 0) throw DecodeError(fmt::format("{}: stream {}: key packet not found after seeking", in_path, video));
  out.close();
  return r;
}

}  // namespace vidrep::io
