#include "vidrep/io/ffmpeg.h"

extern "C" {
#include <libavutil/display.h>
}

#include <cmath>
#include <mutex>
#include <new>

namespace vidrep::io {

void FormatOutputDeleter::operator()(AVFormatContext* p) const {
  if (p == nullptr) return;
  if (p->oformat != nullptr && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
  avformat_free_context(p);
}

UniqueAVFrame make_frame() {
  UniqueAVFrame f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

UniqueAVPacket make_packet() {
  UniqueAVPacket p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

void SwsImage::reserve(int64_t row_bytes, int height) {
  stride = (row_bytes + 63) / 64 * 64 + 64;
  const int64_t need = stride * (int64_t{height} + 2);
  if (data && bytes >= need) return;
  data.reset(static_cast<uint8_t*>(av_malloc(static_cast<size_t>(need))));
  if (!data) {
    bytes = 0;
    throw std::bad_alloc();
  }
  bytes = need;
}

std::string av_error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  if (av_strerror(code, buf, sizeof(buf)) < 0) return "unknown FFmpeg error " + std::to_string(code);
  return buf;
}

namespace {
int interrupt_cb(void* opaque) {
  return static_cast<const InterruptDeadline*>(opaque)->expired() ? 1 : 0;
}
}  // namespace

void InterruptDeadline::install(AVFormatContext* ctx) {
  ctx->interrupt_callback.callback = &interrupt_cb;
  ctx->interrupt_callback.opaque = this;
}

double to_seconds(int64_t ts, AVRational tb) {
  if (ts == AV_NOPTS_VALUE) return std::nan("");
  return static_cast<double>(ts) * av_q2d(tb);
}

int stream_rotation(const AVStream* st) {
  const uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (matrix == nullptr) return 0;
  const double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(ccw)) return 0;
  // The matrix stores counter-clockwise degrees; display wants the clockwise turn, snapped to 90.
  const long quarter = std::lround(-ccw / 90.0);
  return static_cast<int>(((quarter % 4) + 4) % 4) * 90;
}

void quiet_libav_logging() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_FATAL); });
}

}  // namespace vidrep::io
