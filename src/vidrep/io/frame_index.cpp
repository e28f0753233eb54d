#include "vidrep/io/frame_index.h"

#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace vidrep::io {

struct ScannedPacket {
  int64_t pts;  // AV_NOPTS_VALUE when the container has none
  int64_t duration;
};

namespace {

bool is_mp4_family(const AVFormatContext* fmt) {
  return std::strstr(fmt->iformat->name, "mp4") != nullptr;
}

// One frame's duration in `tb` from the stream's frame rate; 1 when nothing says.
int64_t nominal_duration(const AVStream* st) {
  const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  const int64_t d = rate.num > 0 && rate.den > 0 ? av_rescale_q(1, av_inv_q(rate), st->time_base) : 1;
  return std::max<int64_t>(d, 1);
}

}  // namespace

FrameIndex::FrameIndex(Demuxer& demuxer, int stream_index) {
  const AVStream* st = demuxer.stream(stream_index);
  const std::string& path = demuxer.path();
  UniqueAVPacket pkt = make_packet();
  std::vector<ScannedPacket> shown;  // in decode order
  shown.reserve(st->nb_frames > 0 ? static_cast<size_t>(st->nb_frames) : 1024);
  bool missing_pts = false;

  while (demuxer.read(pkt.get(), stream_index)) {
    const int64_t ordinal = packets_++;
    if (pkt->flags & AV_PKT_FLAG_CORRUPT) {
      throw DecodeError(fmt::format("{}: stream {}: packet {} is truncated or corrupt", path,
                                    stream_index, ordinal));
    }
    int64_t pts = pkt->pts;
    if (pts == AV_NOPTS_VALUE && st->codecpar->video_delay == 0) pts = pkt->dts;
    if ((pkt->flags & AV_PKT_FLAG_KEY) || keys_.empty()) {
      keys_.push_back({pkt->pos, pkt->pts, pkt->dts, ordinal, static_cast<int64_t>(shown.size())});
    }
    // Packets flagged discard (outside an edit list) feed the decoder but are never shown.
    if (pkt->flags & AV_PKT_FLAG_DISCARD) continue;
    missing_pts = missing_pts || pts == AV_NOPTS_VALUE;
    shown.push_back({pts, pkt->duration});
  }
  // In MP4 the sample table is the ground truth: fewer packets than samples means the data ends
  // early (a cut download), which libavformat reports as a quiet end of file.
  if (is_mp4_family(demuxer.format()) && st->nb_frames > 0 && packets_ < st->nb_frames) {
    throw DecodeError(fmt::format("{}: stream {}: truncated file: {} of {} packets readable", path,
                                  stream_index, packets_, st->nb_frames));
  }
  if (shown.empty()) {
    throw DecodeError(fmt::format("{}: stream {}: no video frames", path, stream_index));
  }
  if (missing_pts) {
    index_decode_order(st, shown);
  } else {
    index_presentation_order(path, stream_index, shown);
  }
}

void FrameIndex::index_decode_order(const AVStream* st, const std::vector<ScannedPacket>& shown) {
  // MPEG-4 part 2 in AVI stores no presentation times, only one packet per frame interval, and
  // the decoder outputs one frame per packet. Frame i is then the decoder's i-th output, timed at
  // the constant rate AVI implies. Counting is only sound from the stream's start (after a key
  // frame mid-stream, B-frames may still point before it), so every frame decodes from key 0:
  // exact, with random access costing a decode from the start.
  decode_order_ = true;
  const int64_t step = nominal_duration(st);
  const int64_t first = keys_.front().dts != AV_NOPTS_VALUE ? keys_.front().dts : 0;
  frames_.reserve(shown.size());
  for (size_t i = 0; i < shown.size(); ++i) {
    frames_.push_back({first + static_cast<int64_t>(i) * step, step, 0});
  }
  keys_.front().pts = frames_.front().pts;
}

void FrameIndex::index_presentation_order(const std::string& path, int stream_index,
                                          std::vector<ScannedPacket>& shown) {
  std::stable_sort(shown.begin(), shown.end(),
                   [](const ScannedPacket& a, const ScannedPacket& b) { return a.pts < b.pts; });
  frames_.reserve(shown.size());
  for (size_t i = 0; i < shown.size(); ++i) {
    if (i > 0 && shown[i].pts == shown[i - 1].pts) {
      throw DecodeError(fmt::format(
          "{}: stream {}: two frames share pts {}, so frames cannot be indexed exactly", path,
          stream_index, shown[i].pts));
    }
    frames_.push_back({shown[i].pts, shown[i].duration, 0});
  }
  // A frame decodes correctly from the last key packet (in decode order) whose pts is <= its own:
  // leading pictures of an open GOP (pts before their key frame) start from the previous key.
  std::vector<std::pair<int64_t, int64_t>> key_by_pts;  // (running max pts, key ordinal)
  int64_t running = INT64_MIN;
  for (size_t k = 0; k < keys_.size(); ++k) {
    const int64_t kp = keys_[k].pts != AV_NOPTS_VALUE ? keys_[k].pts : keys_[k].dts;
    running = std::max(running, kp);
    key_by_pts.emplace_back(running, static_cast<int64_t>(k));
  }
  for (IndexedFrame& f : frames_) {
    auto it = std::upper_bound(key_by_pts.begin(), key_by_pts.end(), f.pts,
                               [](int64_t v, const auto& e) { return v < e.first; });
    f.key = it == key_by_pts.begin() ? 0 : std::prev(it)->second;
  }
}

int64_t FrameIndex::displayed_at(int64_t pts) const {
  auto it = std::upper_bound(frames_.begin(), frames_.end(), pts,
                             [](int64_t v, const IndexedFrame& f) { return v < f.pts; });
  return (it - frames_.begin()) - 1;
}

}  // namespace vidrep::io
