#include "vidrep/io/convert_thread.h"

#include <cstring>
#include <new>
#include <utility>

namespace vidrep::io {

void convert_rotated(FrameConverter& converter, const AVFrame* frame, int rotation, int out_w, int out_h,
                     uint8_t* dst) {
  if (rotation == 0) {
    converter.convert(frame, out_w, out_h, dst);
    return;
  }
  const bool swap = rotation == 90 || rotation == 270;
  const RgbRows rgb = converter.convert(frame, swap ? out_h : out_w, swap ? out_w : out_h);
  // The converter's rows are in coded orientation; turn them clockwise into the output.
  const int h = rgb.height, w = rgb.width;
  for (int y = 0; y < out_h; ++y) {
    uint8_t* row = dst + static_cast<size_t>(y) * out_w * 3;
    for (int x = 0; x < out_w; ++x) {
      const int sy = rotation == 90 ? h - 1 - x : rotation == 180 ? h - 1 - y : x;
      const int sx = rotation == 90 ? y : rotation == 180 ? w - 1 - x : w - 1 - y;
      std::memcpy(row + 3 * x, rgb.data + static_cast<ptrdiff_t>(sy) * rgb.stride + 3 * sx, 3);
    }
  }
}

ConvertThread::ConvertThread() : thread_([this] { loop(); }) {}

ConvertThread::~ConvertThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ConvertThread::submit(const AVFrame* frame, int rotation, int out_w, int out_h, uint8_t* dst) {
  UniqueAVFrame ref(av_frame_clone(frame));
  if (!ref) throw std::bad_alloc();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return jobs_.size() < kDepth; });
  jobs_.push_back({std::move(ref), rotation, out_w, out_h, dst});
  cv_.notify_all();
}

void ConvertThread::drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return jobs_.empty() && !busy_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void ConvertThread::loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    const bool skip = error_ != nullptr;
    lock.unlock();
    cv_.notify_all();  // room in the queue
    std::exception_ptr failed;
    if (!skip) {
      try {
        convert_rotated(converter_, job.frame.get(), job.rotation, job.out_w, job.out_h, job.dst);
      } catch (...) {
        failed = std::current_exception();
      }
    }
    job.frame.reset();  // the decoder's buffer goes back before the next wait
    lock.lock();
    if (failed && !error_) error_ = failed;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace vidrep::io
