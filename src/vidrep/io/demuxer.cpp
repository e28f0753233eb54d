#include "vidrep/io/demuxer.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace vidrep::io {

namespace {

void check_regular_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw OpenError(fmt::format("{}: no such file", path));
  if (std::filesystem::is_directory(path, ec)) throw OpenError(fmt::format("{}: is a directory", path));
  // Reads from pipes and devices can block inside the kernel, out of the interrupt callback's
  // reach; only regular files are read.
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw OpenError(fmt::format("{}: not a regular file (pipes and devices are not read)", path));
  }
  if (std::filesystem::file_size(path, ec) == 0 && !ec) throw OpenError(fmt::format("{}: empty file", path));
}

}  // namespace

Demuxer::Demuxer(std::string path, DemuxerOptions options)
    : path_(std::move(path)),
      deadline_(options.io_timeout),
      io_(options.io),
      network_(options.network) {
  quiet_libav_logging();
  if (io_ == nullptr && !network_) check_regular_file(path_);
  open();
}

void Demuxer::open() {
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) throw std::bad_alloc();
  deadline_.install(raw);
  if (io_ != nullptr) {
    raw->pb = io_;
    raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  AVDictionary* opts = nullptr;
  if (network_ && path_.starts_with("udp://")) {
    av_dict_set(&opts, "fifo_size", "65536", 0);  // 188-byte units: 12 MiB, seconds of HD video
    av_dict_set(&opts, "overrun_nonfatal", "1", 0);
  }
  // A live stream is probed as it arrives: reading enough frames to know its rate (20) takes
  // 2 s at 10 fps. An interrupt inside the probe would leave the input failed for good, so
  // opening gets the probe's 5 s on top of the budget.
  const std::chrono::milliseconds open_budget = deadline_.budget() + std::chrono::milliseconds(network_ ? 5000 : 0);
  deadline_.arm(open_budget);
  int ret = avformat_open_input(&raw, path_.c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (ret < 0) {  // avformat_open_input frees `raw` on failure
    throw OpenError(fmt::format("{}: cannot open: {}", path_,
                                ret == AVERROR_EXIT ? "timed out" : av_error_text(ret)));
  }
  fmt_.reset(raw);
  deadline_.arm(open_budget);
  ret = avformat_find_stream_info(fmt_.get(), nullptr);
  if (ret < 0) {
    throw OpenError(fmt::format("{}: cannot read stream info: {}", path_, av_error_text(ret)));
  }
}

void Demuxer::reopen() {
  const unsigned streams = fmt_->nb_streams;
  fmt_.reset();
  if (io_ != nullptr && avio_seek(io_, 0, SEEK_SET) != 0) {
    throw DecodeError(fmt::format("{}: cannot return to the start of the input", path_));
  }
  open();
  if (fmt_->nb_streams != streams) {
    throw DecodeError(fmt::format("{}: the file changed while it was read", path_));
  }
  ++seeks_;
}

AVStream* Demuxer::stream(int index) const {
  if (index < 0 || index >= static_cast<int>(fmt_->nb_streams)) {
    throw InvalidArgument(fmt::format("{}: stream {} does not exist (file has {} streams)", path_,
                                      index, fmt_->nb_streams));
  }
  return fmt_->streams[index];
}

int Demuxer::select_stream(AVMediaType type, int wanted) const {
  const char* kind = av_get_media_type_string(type);
  if (wanted >= 0) {
    AVStream* st = stream(wanted);
    if (st->codecpar->codec_type != type) {
      throw InvalidArgument(fmt::format("{}: stream {} is not a {} stream", path_, wanted, kind));
    }
    return wanted;
  }
  const int best = av_find_best_stream(fmt_.get(), type, -1, -1, nullptr, 0);
  if (best < 0) throw OpenError(fmt::format("{}: no {} stream", path_, kind));
  return best;
}

bool Demuxer::read(AVPacket* pkt, int stream_index) {
  for (;;) {
    av_packet_unref(pkt);
    deadline_.arm();
    const int ret = av_read_frame(fmt_.get(), pkt);
    if (ret == AVERROR_EOF) return false;
    if (ret < 0) {
      // Some demuxers report a cut-off file as an I/O error at the end: name it plainly.
      throw DecodeError(fmt::format("{}: cannot read packet {}: {}", path_, packets_read_,
                                    ret == AVERROR_EXIT ? "timed out" : av_error_text(ret)));
    }
    ++packets_read_;
    if (stream_index < 0 || pkt->stream_index == stream_index) return true;
  }
}

void Demuxer::seek(int stream_index, int64_t ts) {
  deadline_.arm();
  const int ret = av_seek_frame(fmt_.get(), stream_index, ts, AVSEEK_FLAG_BACKWARD);
  if (ret < 0) {
    // A demuxer that cannot seek (no index for this stream) starts again from the beginning,
    // which is at or before every timestamp. (A byte seek to 0 is not: Matroska resyncs to a
    // later cluster.)
    reopen();
    return;
  }
  ++seeks_;
}

int64_t Demuxer::size() const {
  const int64_t n = fmt_->pb != nullptr ? avio_size(fmt_->pb) : -1;
  return n >= 0 ? n : -1;
}

std::string Demuxer::read_bytes(int64_t offset, int n) {
  AVIOContext* pb = fmt_->pb;
  std::string bytes;
  if (pb == nullptr || offset < 0 || n <= 0) return bytes;
  const int64_t was = avio_tell(pb);
  deadline_.arm();
  if (avio_seek(pb, offset, SEEK_SET) == offset) {
    bytes.resize(static_cast<size_t>(n));
    const int got = avio_read(pb, reinterpret_cast<unsigned char*>(bytes.data()), n);
    bytes.resize(static_cast<size_t>(std::max(got, 0)));
  }
  avio_seek(pb, was, SEEK_SET);
  return bytes;
}

}  // namespace vidrep::io
