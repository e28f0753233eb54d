#include "vidrep/io/audio_copy.h"

#include <fmt/format.h>

namespace vidrep::io {

AudioCopy::AudioCopy(const std::string& path, Muxer& mux, int64_t begin, int64_t end, AVRational time_base,
                     std::vector<std::string>& notes)
    : demuxer_(path), time_base_(time_base) {
  const auto round_up = static_cast<AVRounding>(AV_ROUND_UP | AV_ROUND_PASS_MINMAX);
  for (unsigned s = 0; s < demuxer_.format()->nb_streams; ++s) {
    const AVStream* st = demuxer_.stream(static_cast<int>(s));
    if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    if (avformat_query_codec(mux.output_format(), st->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
      notes.push_back(fmt::format("audio stream {} ({}) left out: a {} file cannot hold it (.mkv can)", s,
                                  avcodec_get_name(st->codecpar->codec_id), mux.output_format()->name));
      continue;
    }
    streams_[static_cast<int>(s)] = {mux.add_copy(st), st->time_base, av_rescale_q_rnd(begin, time_base, st->time_base, round_up),
                                     av_rescale_q_rnd(end, time_base, st->time_base, round_up)};
  }
  if (streams_.empty()) return;
  const auto& [first, stream] = *streams_.begin();
  demuxer_.seek(first, stream.begin);
}

void AudioCopy::pump(Muxer& mux, int64_t ts) {
  while (!done()) {
    if (!pending_) {
      if (!demuxer_.read(pkt_.get(), -1)) {
        streams_.clear();
        return;
      }
      const auto it = streams_.find(pkt_->stream_index);
      if (it == streams_.end()) continue;
      const int64_t t = pkt_->pts != AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
      if (t == AV_NOPTS_VALUE || t < it->second.begin) continue;
      if (t >= it->second.end) {
        finished_[pkt_->stream_index] = true;
        continue;
      }
      pending_ = true;
    }
    const Stream& s = streams_.at(pkt_->stream_index);
    const int64_t t = pkt_->pts != AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
    if (av_compare_ts(t, s.tb, ts, time_base_) > 0) return;
    if (pkt_->pts != AV_NOPTS_VALUE) pkt_->pts -= s.begin;
    if (pkt_->dts != AV_NOPTS_VALUE) pkt_->dts -= s.begin;
    mux.write(pkt_.get(), s.out, s.tb);
    pending_ = false;
    ++packets_;
  }
}

}  // namespace vidrep::io
