// ConvertThread: converts decoded frames to RGB on a thread of its own while the caller decodes
// the next ones. Frame-threaded decoding leaves part of the cores idle (the ffmpeg CLI's own
// decode uses ~1.65 of 2 cores here); converting beside it fills that time instead of adding
// swscale's work to the wall time. Frames are queued as references (no pixel copy), at most
// kDepth at once. Used by one decoding thread; not shareable.
#pragma once

#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/frame_converter.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace vidrep::io {

// `frame` converted to out_w x out_h RGB24, turned clockwise by `rotation` degrees (0, 90, 180,
// 270: sizes are those of the output), written as packed rows at `dst`.
void convert_rotated(FrameConverter& converter, const AVFrame* frame, int rotation, int out_w, int out_h, uint8_t* dst);

class ConvertThread {
 public:
  static constexpr size_t kDepth = 4;

  ConvertThread();
  ~ConvertThread();  // waits for queued frames, then stops
  ConvertThread(const ConvertThread&) = delete;
  ConvertThread& operator=(const ConvertThread&) = delete;

  // Queues a new reference to `frame` for convert_rotated(..., dst); blocks while kDepth wait.
  // `dst` must stay valid until drain().
  void submit(const AVFrame* frame, int rotation, int out_w, int out_h, uint8_t* dst);
  // Waits until every queued frame is written; rethrows the first conversion error since the
  // last drain (the frames queued after it are dropped).
  void drain();
  // Frames converted so far (read after drain()).
  int64_t frames_converted() const { return converter_.frames_converted(); }

 private:
  struct Job {
    UniqueAVFrame frame;
    int rotation, out_w, out_h;
    uint8_t* dst;
  };
  void loop();

  FrameConverter converter_;  // only the thread touches it between drains
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool busy_ = false;  // the thread holds a job
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace vidrep::io
