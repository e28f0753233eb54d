#include "vidrep/io/probe.h"

#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_index.h"

#include <fmt/format.h>

#include <filesystem>

namespace vidrep {

using namespace vidrep::io;

namespace {

void fill_video(StreamInfo& s, const std::string& path, const AVStream* st, std::vector<std::string>& warnings) {
  const AVCodecParameters* par = st->codecpar;
  const auto pix = static_cast<AVPixelFormat>(par->format);
  if (const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(pix)) {
    s.pix_fmt = desc->name;
    s.bit_depth = desc->comp[0].depth;
  }
  s.coded_width = par->width;
  s.coded_height = par->height;
  s.rotation = stream_rotation(st);
  const bool swap = s.rotation == 90 || s.rotation == 270;
  s.width = swap ? par->height : par->width;
  s.height = swap ? par->width : par->height;

  // A demuxer of its own, so each stream's scan starts at the beginning of the file.
  Demuxer demuxer(path);
  const FrameIndex index(demuxer, st->index);
  s.frames = index.size();
  warnings.insert(warnings.end(), index.warnings().begin(), index.warnings().end());
  const IndexedFrame& first = index[0];
  const IndexedFrame& last = index[index.size() - 1];
  const double tick = av_q2d(st->time_base);
  int64_t last_duration = last.duration;
  if (last_duration <= 0 && st->avg_frame_rate.num > 0) {
    last_duration = av_rescale_q(1, av_inv_q(st->avg_frame_rate), st->time_base);
  }
  const double span = (last.pts + last_duration - first.pts) * tick;
  s.duration = span;
  s.fps = span > 0 ? s.frames / span : av_q2d(st->avg_frame_rate);
}

void fill_audio(StreamInfo& s, const AVStream* st) {
  const AVCodecParameters* par = st->codecpar;
  s.sample_rate = par->sample_rate;
  s.channels = par->ch_layout.nb_channels;
  if (const char* name = av_get_sample_fmt_name(static_cast<AVSampleFormat>(par->format))) {
    s.sample_fmt = name;
  }
}

}  // namespace

MediaInfo probe(const std::string& path) {
  Demuxer demuxer(path);
  const AVFormatContext* fmt = demuxer.format();
  MediaInfo info;
  info.path = path;
  info.format = fmt->iformat->name;
  info.duration = fmt->duration != AV_NOPTS_VALUE ? fmt->duration / double(AV_TIME_BASE) : 0.0;
  std::error_code ec;
  info.size_bytes = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  info.bit_rate = fmt->bit_rate;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    const AVCodecParameters* par = st->codecpar;
    StreamInfo s;
    s.index = static_cast<int>(i);
    const char* type = av_get_media_type_string(par->codec_type);
    s.type = type != nullptr ? type : "unknown";
    s.codec = avcodec_get_name(par->codec_id);
    if (const char* profile = avcodec_profile_name(par->codec_id, par->profile)) s.profile = profile;
    s.time_base = fmt::format("{}/{}", st->time_base.num, st->time_base.den);
    s.bit_rate = par->bit_rate;
    if (st->duration != AV_NOPTS_VALUE) s.duration = to_seconds(st->duration, st->time_base);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      fill_video(s, path, st, info.warnings);
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      fill_audio(s, st);
    }
    info.streams.push_back(std::move(s));
  }
  return info;
}

}  // namespace vidrep
