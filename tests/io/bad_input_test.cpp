// Bad input never crashes or hangs: each case throws the typed error naming the file and reason.
#include "vidrep/io/video_reader.h"

#include "vidrep/error.h"

#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

std::string write_bytes(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string copy_fixture(const std::string& dir, const std::string& name, const std::string& src) {
  const std::string path = dir + "/" + name;
  fs::copy_file(src, path, fs::copy_options::overwrite_existing);
  return path;
}

// A faststart MP4 (index first), so cutting it leaves a file that opens but whose data ends early.
std::string faststart_mp4() {
  return test::make_video("faststart.mp4", "-f lavfi -i testsrc2=size=160x120:rate=25 -t 4 -c:v libx264 "
                                           "-preset veryfast -g 24 -pix_fmt yuv420p -movflags +faststart");
}

template <typename E, typename F>
void expect_error(F&& f, const std::string& must_contain) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning " << must_contain;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(must_contain), std::string::npos) << e.what();
  }
}

TEST(BadInput, MissingFile) {
  expect_error<OpenError>([] { VideoReader r("/nonexistent/clip.mp4"); }, "/nonexistent/clip.mp4: no such file");
}

TEST(BadInput, EmptyFile) {
  const std::string dir = test::scratch_dir("empty");
  const std::string path = write_bytes(dir, "empty.mp4", "");
  expect_error<OpenError>([&] { VideoReader r(path); }, "empty file");
}

TEST(BadInput, GarbageBytes) {
  const std::string dir = test::scratch_dir("garbage");
  std::string junk(4096, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string path = write_bytes(dir, "junk.mp4", junk);
  expect_error<OpenError>([&] { VideoReader r(path); }, path);
}

TEST(BadInput, TextFileIsNotAVideo) {
  const std::string dir = test::scratch_dir("text");
  const std::string path = write_bytes(dir, "notes.txt", "these are not the frames you are looking for\n");
  expect_error<OpenError>([&] { VideoReader r(path); }, path);
}

TEST(BadInput, AudioOnlyFileHasNoVideoStream) {
  const std::string path = test::make_video("tone_only.m4a", "-f lavfi -i sine=frequency=440:duration=1 -c:a aac");
  expect_error<OpenError>([&] { VideoReader r(path); }, "no video stream");
}

TEST(BadInput, TruncatedFile) {
  const std::string dir = test::scratch_dir("truncated");
  const std::string path = copy_fixture(dir, "cut.mp4", faststart_mp4());
  fs::resize_file(path, fs::file_size(path) * 6 / 10);
  expect_error<DecodeError>([&] { VideoReader r(path); }, "truncated");
}

TEST(BadInput, CorruptedMiddleNamesTheFrame) {
  const std::string dir = test::scratch_dir("corrupt");
  const std::string path = copy_fixture(dir, "corrupt.mp4", faststart_mp4());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const auto size = static_cast<std::streamoff>(fs::file_size(path));
    std::string junk(2048, '\0');
    for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 40503u) >> 5);
    f.seekp(size / 2);
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  VideoReader reader(path);
  expect_error<DecodeError>([&] { to_tensor(reader.read_range(0, reader.num_frames())); }, ": frame ");
  // Lenient readers conceal the damage and still return every frame.
  VideoReader lenient(path, {.strict = false});
  EXPECT_EQ(to_tensor(lenient.read_range(0, lenient.num_frames())).size(0), lenient.num_frames());
}

TEST(BadInput, PipeIsRefusedInsteadOfBlocking) {
  const std::string dir = test::scratch_dir("fifo");
  const std::string path = dir + "/stream.mp4";
  ASSERT_EQ(test::run("mkfifo " + path), 0);  // nobody ever writes: opening it would block
  expect_error<OpenError>([&] { VideoReader r(path); }, "not a regular file");
}

TEST(BadInput, IndexOutOfRange) {
  VideoReader reader(test::codec_fixture("h264_bframes"));
  expect_error<InvalidArgument>([&] { to_tensor(reader.read_frames({0, 100})); }, "frame 100 out of range (video has 100 frames)");
  expect_error<InvalidArgument>([&] { to_tensor(reader.read_frames({-1})); }, "frame -1 out of range");
}

TEST(BadInput, ImpossibleSize) {
  const std::string path = test::codec_fixture("h264_bframes");
  expect_error<InvalidArgument>([&] { VideoReader r(path, {.width = 100000, .height = 10}); }, "impossible output size");
  expect_error<InvalidArgument>([&] { VideoReader r(path, {.width = -3, .height = 10}); }, "impossible output size");
}

TEST(BadInput, RequestTooLargeForMemoryIsRefused) {
  VideoReader reader(test::codec_fixture("h264_bframes"), {.max_output_bytes = 1'000'000});
  expect_error<InvalidArgument>([&] { to_tensor(reader.read_range(0, 100)); }, "need 5.8 MB, more than the 1.0 MB allowed");
  EXPECT_EQ(to_tensor(reader.read_range(0, 10)).size(0), 10);  // 576 kB fits
}

TEST(BadInput, MissingStream) {
  const std::string path = test::codec_fixture("h264_bframes");
  expect_error<InvalidArgument>([&] { VideoReader r(path, {.stream = 7}); }, "stream 7 does not exist");
}

}  // namespace
}  // namespace vidrep
