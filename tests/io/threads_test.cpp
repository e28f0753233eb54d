// Readers are not thread-safe, but any number of them may read the same file at once, one per
// thread: eight threads, each with its own reader, get exactly the frames one reader gets.
#include "vidrep/io/video_reader.h"

#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <exception>
#include <random>
#include <thread>
#include <vector>

namespace vidrep {
namespace {

TEST(Threads, EightReadersOfOneFileGetTheFramesOneReaderGets) {
  const std::string path = test::codec_fixture("h264_bframes");
  const int64_t n = VideoReader(path).num_frames();
  constexpr int kThreads = 8;
  std::vector<std::vector<int64_t>> requests(kThreads);
  std::mt19937 rng(11);
  for (auto& r : requests) {
    for (int k = 0; k < 12; ++k) r.push_back(std::uniform_int_distribution<int64_t>(0, n - 1)(rng));
  }
  std::vector<at::Tensor> expected;
  VideoReader one(path, {.width = 64, .height = 48, .threads = 1});
  for (const auto& r : requests) expected.push_back(to_tensor(one.read_frames(r)));

  std::vector<at::Tensor> got(kThreads);
  std::vector<std::exception_ptr> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        VideoReader reader(path, {.width = 64, .height = 48, .threads = 1});
        for (int rep = 0; rep < 3; ++rep) got[t] = to_tensor(reader.read_frames(requests[t]));
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_FALSE(errors[t]) << "thread " << t;
    EXPECT_TRUE(got[t].equal(expected[t])) << "thread " << t;
  }
}

}  // namespace
}  // namespace vidrep
