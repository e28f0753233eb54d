#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/probe.h"
#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace vidrep {
namespace {

TEST(Npy, RoundTripsEveryDtypeAndNumpyReadsIt) {
  const std::string dir = test::scratch_dir("npy");
  const at::Tensor u8 = at::arange(24, at::kByte).view({2, 3, 4});
  const at::Tensor f32 = at::linspace(-1, 1, 7, at::kFloat);
  io::save_npy(dir + "/u8.npy", to_array(u8));
  io::save_npy(dir + "/f32.npy", to_array(f32));
  EXPECT_TRUE(at::equal(to_tensor(io::load_npy(dir + "/u8.npy")), u8));
  EXPECT_TRUE(at::equal(to_tensor(io::load_npy(dir + "/f32.npy")), f32));
  std::string out;
  ASSERT_EQ(test::run("/usr/bin/python3 -c \"import numpy as n; a=n.load('" + dir +
                      "/u8.npy'); print(a.shape, a.dtype, int(a[1,2,3]))\"", &out), 0) << out;
  EXPECT_EQ(out, "(2, 3, 4) uint8 23\n");
}

TEST(Npy, MalformedFilesAreRejected) {
  const std::string dir = test::scratch_dir("npy_bad");
  test::run("printf 'hello' > " + dir + "/bad.npy");
  EXPECT_THROW(to_tensor(io::load_npy(dir + "/bad.npy")), InvalidArgument);
  EXPECT_THROW(to_tensor(io::load_npy(dir + "/missing.npy")), OpenError);
  EXPECT_THROW(io::save_npy("/nonexistent-dir/x.npy", to_array(at::zeros({2}))), WriteError);
}

TEST(Npy, WriterAppendsPartsAndCommitsOnlyAWholeArray) {
  const std::string dir = test::scratch_dir("npy_writer");
  const at::Tensor x = at::arange(2 * 5 * 3, at::kFloat).view({5, 2, 3});
  {
    io::NpyWriter out(dir + "/x.npy", DType::Float32, {5, 2, 3});
    for (int64_t i = 0; i < 5; i += 2) out.append(to_array(x.slice(0, i, std::min<int64_t>(i + 2, 5))));
    EXPECT_FALSE(std::filesystem::exists(dir + "/x.npy"));  // not before commit
    out.commit();
  }
  EXPECT_TRUE(at::equal(to_tensor(io::load_npy(dir + "/x.npy")), x));
  std::string out;
  ASSERT_EQ(test::run("/usr/bin/python3 -c \"import numpy as n; a=n.load('" + dir + "/x.npy'); print(a.shape, a[4,1,2])\"",
                      &out), 0) << out;
  EXPECT_EQ(out, "(5, 2, 3) 29.0\n");

  {
    io::NpyWriter wrong(dir + "/y.npy", DType::UInt8, {4});
    EXPECT_THROW(wrong.append(to_array(at::zeros({2}))), InvalidArgument);           // dtype
    EXPECT_THROW(wrong.append(to_array(at::zeros({5}, at::kByte))), InvalidArgument);  // too many
    wrong.append(to_array(at::zeros({3}, at::kByte)));
    EXPECT_THROW(wrong.commit(), InvalidArgument);  // incomplete: no file
  }
  {
    io::NpyWriter abandoned(dir + "/z.npy", DType::UInt8, {4});
    abandoned.append(to_array(at::zeros({2}, at::kByte)));
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/y.npy"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/z.npy"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);  // no temporaries
  EXPECT_THROW(io::NpyWriter("/nonexistent-dir/x.npy", DType::UInt8, {1}), WriteError);
}

TEST(Probe, ReportsStreamsAndExactCounts) {
  const std::string path = test::make_video("probe_av.mp4", "-f lavfi -i testsrc2=size=160x120:rate=30 -f lavfi -i "
                                            "sine=frequency=300:sample_rate=22050 -t 2 -ac 2 -c:v libx264 -preset veryfast "
                                            "-pix_fmt yuv420p -c:a aac -shortest");
  const MediaInfo info = probe(path);
  EXPECT_NE(info.format.find("mp4"), std::string::npos);
  ASSERT_EQ(info.streams.size(), 2u);
  const StreamInfo& v = info.streams[0];
  EXPECT_EQ(v.type, "video");
  EXPECT_EQ(v.codec, "h264");
  EXPECT_EQ(v.frames, test::ffprobe_frame_count(path));
  EXPECT_EQ(v.width, 160);
  EXPECT_EQ(v.bit_depth, 8);
  EXPECT_NEAR(v.fps, 30.0, 0.01);
  const StreamInfo& a = info.streams[1];
  EXPECT_EQ(a.type, "audio");
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_EQ(a.channels, 2);
}

TEST(Probe, TenBitAndRotation) {
  const MediaInfo hevc = probe(test::codec_fixture("h265_10bit"));
  EXPECT_EQ(hevc.streams[0].bit_depth, 10);
  EXPECT_EQ(hevc.streams[0].codec, "hevc");
  const MediaInfo rot = probe(test::codec_fixture("rotate90"));
  EXPECT_EQ(rot.streams[0].rotation, 270);
  EXPECT_EQ(rot.streams[0].width, 96);
  EXPECT_EQ(rot.streams[0].coded_width, 160);
}

}  // namespace
}  // namespace vidrep
