// The video index (retrieval/video_index.h) on videos the ffmpeg CLI makes: a transformed excerpt
// is found first and localised, an unrelated video scores below the copy threshold, and the index
// survives saving, reopening, adding, and damaged or unreadable inputs.
#include "vidrep/retrieval/collection.h"
#include "vidrep/retrieval/video_index.h"

#include "vidrep/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "support/fixtures.h"

namespace vidrep {
namespace {
namespace fs = std::filesystem;
using retrieval::VideoIndex;

// Five unrelated 8-second videos, 10 fps.
std::vector<std::string> collection() {
  const std::string common = " -t 8 -pix_fmt yuv420p -c:v libx264 -preset veryfast";
  return {
      // hue turning 40 degrees a second: each second looks different
      test::make_video("ret_mandelbrot_hue.mp4", "-f lavfi -i mandelbrot=size=160x120:rate=10,hue=h=t*40" + common),
      test::make_video("ret_life.mp4", "-f lavfi -i life=size=160x120:rate=10:mold=10:ratio=0.2:life_color=#40ff80:"
                                       "death_color=#802020" + common),
      test::make_video("ret_testsrc.mp4", "-f lavfi -i testsrc2=size=160x120:rate=10" + common),
      test::make_video("ret_cellauto.mp4", "-f lavfi -i cellauto=size=160x120:rate=10:rule=30" + common),
      test::make_video("ret_gradients.mp4", "-f lavfi -i gradients=size=160x120:rate=10:speed=0.03" + common),
  };
}

// Seconds 2-6 of the mandelbrot video, mirrored, cropped to 80 % and brightened.
std::string copy_query() {
  return test::make_video("ret_query_copy_hue.mp4", "-ss 2 -t 4 -i " + collection()[0] +
                                                    " -vf hflip,crop=iw*0.8:ih*0.8,eq=brightness=0.06 -an -c:v libx264"
                                                    " -preset veryfast");
}

// Seconds 1-7 of the mandelbrot video at a smaller size and a lower quality: a near-duplicate.
std::string reencoded_copy() {
  return test::make_video("ret_query_reencoded.mp4", "-ss 1 -t 6 -i " + collection()[0] +
                                                         " -vf scale=128:96 -an -c:v libx264 -crf 35 -preset veryfast");
}

// Grey noise over a blue field, like none of them.
std::string unrelated_query() {
  return test::make_video("ret_query_unrelated.mp4",
                          "-f lavfi -i color=c=0x3050a0:size=160x120:rate=10,noise=alls=60:allf=t+u -t 5 "
                          "-pix_fmt yuv420p -c:v libx264 -preset veryfast");
}

const VideoIndex& shared_index() {
  static const VideoIndex index = VideoIndex::build(collection(), {});
  return index;
}

TEST(VideoIndex, FindsATransformedExcerptAndWhereItCameFrom) {
  const VideoIndex& index = shared_index();
  ASSERT_EQ(index.videos().size(), 5u);
  const auto hits = index.search(index.embed(copy_query()), {.k = 3});
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].path, collection()[0]);
  EXPECT_GE(hits[0].score, retrieval::kCopyThreshold);
  EXPECT_NEAR(hits[0].query_start, 0.0, 1.0);
  EXPECT_NEAR(hits[0].query_end, 4.0, 1.0);
  EXPECT_NEAR(hits[0].ref_start, 2.0, 1.0);
  EXPECT_NEAR(hits[0].ref_end, 6.0, 1.0);
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_LT(hits[i].score, retrieval::kCopyThreshold) << hits[i].path;
}

TEST(VideoIndex, AnUnrelatedVideoScoresBelowTheCopyThreshold) {
  const VideoIndex& index = shared_index();
  for (const auto& hit : index.search(index.embed(unrelated_query()), {.k = 5})) {
    EXPECT_LT(hit.score, retrieval::kCopyThreshold) << hit.path;
  }
}

TEST(VideoIndex, SavesReopensAndAddsWithoutLosingAnything) {
  const std::string dir = test::scratch_dir("ret_index_persist") + "/idx";
  const auto videos = collection();
  VideoIndex built = VideoIndex::build({videos[0], videos[1], videos[2], videos[3]}, {});
  built.save(dir);
  VideoIndex index = VideoIndex::open(dir);
  EXPECT_EQ(index.videos().size(), 4u);
  EXPECT_EQ(index.rows(), built.rows());
  EXPECT_EQ(index.dim(), built.dim());
  const auto before = index.search(index.embed(copy_query()));
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(before[0].path, videos[0]);

  // Adding: the new file, one already there, and one that is not a video.
  const std::string junk = test::scratch_dir("ret_index_junk") + "/junk.mp4";
  std::ofstream(junk) << "not a video";
  const auto skipped = index.add({videos[4], videos[1], junk});
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_EQ(skipped[0].reason, "already indexed");
  EXPECT_EQ(skipped[1].path, junk);
  index.save(dir);
  const VideoIndex again = VideoIndex::open(dir);
  EXPECT_EQ(again.videos().size(), 5u);
  EXPECT_EQ(again.find(videos[4]), 4);
  const auto self = again.search(again.embed(videos[4]), {.k = 1});
  ASSERT_EQ(self.size(), 1u);
  EXPECT_EQ(self[0].path, videos[4]);
  // One generation on disk, the one CURRENT names.
  int generations = 0;
  for (const auto& e : fs::directory_iterator(dir)) generations += e.path().filename().string().rfind("gen-", 0) == 0;
  EXPECT_EQ(generations, 1);
}

TEST(VideoIndex, DamagedIndexFilesAreClearErrors) {
  const std::string dir = test::scratch_dir("ret_index_damaged") + "/idx";
  VideoIndex::build({collection()[0], collection()[1]}, {}).save(dir);
  std::string gen;
  std::getline(std::ifstream(dir + "/CURRENT"), gen);
  const std::string faiss_file = dir + "/" + gen + "/index.faiss";
  const std::string config_file = dir + "/" + gen + "/config.json";

  EXPECT_THROW(VideoIndex::open(test::scratch_dir("ret_index_empty")), OpenError);
  // A wrong dimension in the description.
  nlohmann::json config = nlohmann::json::parse(std::ifstream(config_file));
  const nlohmann::json original = config;
  config["dim"] = config["dim"].get<int64_t>() + 1;
  std::ofstream(config_file) << config.dump();
  EXPECT_NE(test::error_message<ConfigError>([&] { VideoIndex::open(dir); }).find("rows.npz"), std::string::npos);
  std::ofstream(config_file) << original.dump();
  // A corrupt faiss file: truncated, or the same length with one byte changed.
  std::string bytes;
  {
    std::ifstream in(faiss_file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(faiss_file, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(test::error_message<ConfigError>([&] { VideoIndex::open(dir); }).find("index.faiss"), std::string::npos);
  bytes[bytes.size() / 3] ^= 0x5a;
  std::ofstream(faiss_file, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_NE(test::error_message<ConfigError>([&] { VideoIndex::open(dir); }).find("CRC-32"), std::string::npos);
}

TEST(VideoIndex, EveryIndexTypeFindsTheCopy) {
  // 8 rows a second, so that the 5 videos give the 256 rows IVF-PQ needs to train.
  for (auto type : {retrieval::IndexType::Flat, retrieval::IndexType::Hnsw, retrieval::IndexType::IvfPq}) {
    const VideoIndex index =
        VideoIndex::build(collection(), {.embed = retrieval::EmbedConfig::parse("features", 8), .type = type});
    EXPECT_EQ(index.rows(), 5 * 64);
    const auto hits = index.search(index.embed(copy_query()), {.k = 1});
    ASSERT_EQ(hits.size(), 1u) << retrieval::to_string(type);
    EXPECT_EQ(hits[0].path, collection()[0]) << retrieval::to_string(type);
    EXPECT_NEAR(hits[0].ref_start, 2.0, 1.0) << retrieval::to_string(type);
  }
}

TEST(VideoIndex, NoReadableVideoIsAnError) {
  const std::string junk = test::scratch_dir("ret_index_none") + "/junk.mp4";
  std::ofstream(junk) << "nothing";
  std::vector<retrieval::SkippedVideo> skipped;
  EXPECT_THROW(VideoIndex::build({junk}, {}, &skipped), InvalidArgument);
  EXPECT_THROW(VideoIndex::build({collection()[0]}, {.type = retrieval::IndexType::IvfPq}), InvalidArgument);
}

TEST(VideoIndex, DuplicatesClusterCopiesAndNothingElse) {
  const auto videos = collection();
  const VideoIndex index = VideoIndex::build({videos[0], videos[1], videos[2], reencoded_copy(), unrelated_query()}, {});
  const retrieval::Duplicates d = retrieval::find_duplicates(index, retrieval::kCopyThreshold);
  ASSERT_EQ(d.clusters.size(), 1u);
  EXPECT_EQ(d.clusters[0], (std::vector<int64_t>{0, 3}));
}

TEST(VideoIndex, RecommendationsExcludeTheHistoryAndDiversify) {
  const VideoIndex& index = shared_index();
  const auto recs = retrieval::recommend(index, {0}, {.k = 3, .diversity = 0.0});
  ASSERT_EQ(recs.size(), 3u);
  for (const auto& r : recs) EXPECT_NE(r.video, 0);
  for (size_t i = 1; i < recs.size(); ++i) EXPECT_GE(recs[i - 1].relevance, recs[i].relevance);
  EXPECT_EQ(retrieval::recommend(index, {0, 1, 2, 3}, {.k = 3}).size(), 1u);
  EXPECT_THROW(retrieval::recommend(index, {}, {}), InvalidArgument);
  EXPECT_THROW(retrieval::recommend(index, {7}, {}), InvalidArgument);
  EXPECT_THROW(retrieval::recommend(index, {0}, {.diversity = 2}), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
