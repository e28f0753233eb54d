// FrameIndexCache: a file opened again skips its packet scan and reads the same frames; the cache
// survives a save/load round trip; a changed file is scanned again; a damaged cache file is
// ignored (never trusted, never a crash); and the loader's later epochs hit the cache.
#include "vidrep/io/frame_index_cache.h"

#include "vidrep/data/loader.h"
#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vidrep {
namespace {
namespace fs = std::filesystem;

const std::vector<int64_t> kFrames = {0, 7, 3, 50, 99, 31};

at::Tensor frames_of(const std::string& path, io::FrameIndexCache* cache) {
  VideoReader reader(path, {.width = 32, .height = 24, .index_cache = cache});
  return to_tensor(reader.read_frames(kFrames));
}

TEST(FrameIndexCache, SecondOpenHitsAndReadsTheSameFrames) {
  const std::string path = test::codec_fixture("h264_bframes");
  io::FrameIndexCache cache;
  const at::Tensor want = frames_of(path, nullptr);
  EXPECT_TRUE(at::equal(frames_of(path, &cache), want));
  EXPECT_EQ(cache.misses(), 1);
  EXPECT_EQ(cache.hits(), 0);
  EXPECT_TRUE(at::equal(frames_of(path, &cache), want));
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.size(), 1);
}

TEST(FrameIndexCache, SaveAndLoadRoundTrip) {
  const std::string dir = test::scratch_dir("index_cache_round_trip");
  io::FrameIndexCache cache;
  std::vector<std::string> paths;
  for (const char* name : {"h264_bframes", "mpeg4_bframes", "vfr", "edit_list"}) {
    paths.push_back(test::codec_fixture(name));
    VideoReader(paths.back(), {.index_cache = &cache});
  }
  EXPECT_TRUE(cache.changed());
  cache.save(dir + "/index.bin");
  EXPECT_FALSE(cache.changed());
  io::FrameIndexCache loaded;
  ASSERT_TRUE(loaded.load(dir + "/index.bin"));
  EXPECT_EQ(loaded.size(), 4);
  for (const std::string& path : paths) {
    VideoReader fresh(path, {.width = 32, .height = 24});
    VideoReader cached(path, {.width = 32, .height = 24, .index_cache = &loaded});
    ASSERT_EQ(cached.num_frames(), fresh.num_frames()) << path;
    EXPECT_EQ(cached.frame_time(cached.num_frames() - 1), fresh.frame_time(fresh.num_frames() - 1)) << path;
    std::vector<int64_t> picks;
    for (int64_t i = 0; i < fresh.num_frames(); i += 9) picks.push_back(fresh.num_frames() - 1 - i);
    EXPECT_TRUE(at::equal(to_tensor(cached.read_frames(picks)), to_tensor(fresh.read_frames(picks)))) << path;
  }
  EXPECT_EQ(loaded.hits(), 4);
  EXPECT_EQ(loaded.misses(), 0);
}

TEST(FrameIndexCache, ChangedFileIsScannedAgain) {
  const std::string dir = test::scratch_dir("index_cache_changed");
  const std::string path = dir + "/v.mp4";
  fs::copy_file(test::codec_fixture("upright"), path, fs::copy_options::overwrite_existing);
  io::FrameIndexCache cache;
  const int64_t before = VideoReader(path, {.index_cache = &cache}).num_frames();
  fs::copy_file(test::codec_fixture("h264_bframes"), path, fs::copy_options::overwrite_existing);
  const int64_t after = VideoReader(path, {.index_cache = &cache}).num_frames();
  EXPECT_EQ(cache.misses(), 2);
  EXPECT_NE(before, after);
  EXPECT_EQ(after, VideoReader(path).num_frames());
}

TEST(FrameIndexCache, DamagedFilesAreIgnoredNotTrusted) {
  const std::string dir = test::scratch_dir("index_cache_damaged");
  const std::string path = test::codec_fixture("h264_bframes");
  io::FrameIndexCache cache;
  VideoReader(path, {.index_cache = &cache});
  cache.save(dir + "/good.bin");
  std::stringstream text;
  text << std::ifstream(dir + "/good.bin", std::ios::binary).rdbuf();
  const std::string good = text.str();
  const at::Tensor want = frames_of(path, nullptr);
  auto try_bytes = [&](const std::string& bytes) {
    std::ofstream(dir + "/bad.bin", std::ios::binary) << bytes;
    io::FrameIndexCache c;
    if (c.load(dir + "/bad.bin")) {
      // Accepted only when what it describes passed the checks: the reader must still be exact
      // or fail with a vidrep error, never crash.
      try {
        EXPECT_EQ(frames_of(path, &c).sizes(), want.sizes());
      } catch (const Error&) {
      }
    }
  };
  for (size_t n = 0; n < good.size(); n += std::max<size_t>(1, good.size() / 200)) try_bytes(good.substr(0, n));
  for (size_t i = 0; i < good.size(); i += 7) {
    std::string bytes = good;
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    try_bytes(bytes);
  }
  try_bytes(good + "x");
  EXPECT_FALSE(cache.load(dir + "/missing.bin"));
}

TEST(FrameIndexCache, LoaderEpochsAfterTheFirstSkipTheScans) {
  const std::vector<std::string> paths = {test::codec_fixture("h264_bframes"), test::codec_fixture("upright")};
  Dataset d;
  for (size_t i = 0; i < paths.size(); ++i) d.samples.push_back({paths[i], {static_cast<int64_t>(i)}, 0, -1});
  d.classes = {"a", "b"};
  d.labelled = true;
  auto cache = std::make_shared<io::FrameIndexCache>();
  LoaderOptions o{.batch_size = 2, .workers = 1, .clip_len = 2};
  o.index_cache = cache;
  o.cache_bytes = 0;  // decode every epoch
  DataLoader loader(d, o);
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    loader.start_epoch(epoch);
    while (loader.next()) {
    }
  }
  EXPECT_EQ(cache->misses(), 2);
  EXPECT_EQ(cache->hits(), 4);
}

}  // namespace
}  // namespace vidrep
