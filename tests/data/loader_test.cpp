#include "vidrep/data/loader.h"

#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"

#include "data/data_test_support.h"
#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// Six videos of 20 frames (8 fps, 2.5 s), labels 0, 1, 2, 0, 1, 2; video i's frames carry i.
// Written once per test run.
struct Videos {
  std::string dir;
  std::vector<std::string> paths;
};

const Videos& six_videos() {
  static const Videos videos = [] {
    Videos v{test::scratch_dir("loader_videos"), {}};
    for (int i = 0; i < 6; ++i) {
      v.paths.push_back((fs::path(v.dir) / fmt::format("v{}.avi", i)).string());
      test::write_coded_video(v.paths.back(), 20, i);
    }
    return v;
  }();
  return videos;
}

Dataset dataset_of(const std::vector<std::string>& paths, int64_t classes = 3) {
  Dataset d;
  d.split = "train";
  for (int64_t i = 0; i < classes; ++i) d.classes.push_back(std::to_string(i));
  for (size_t i = 0; i < paths.size(); ++i) d.samples.push_back({paths[i], {static_cast<int64_t>(i) % classes}});
  return d;
}

// Every batch of one epoch.
std::vector<Batch> epoch_of(DataLoader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> batches;
  while (auto b = loader.next()) batches.push_back(std::move(*b));
  return batches;
}

std::vector<int64_t> indices_of(const std::vector<Batch>& batches) {
  std::vector<int64_t> all;
  for (const Batch& b : batches) all.insert(all.end(), b.indices.begin(), b.indices.end());
  return all;
}

void expect_same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].indices, b[i].indices) << "batch " << i;
    EXPECT_EQ(a[i].clip_starts, b[i].clip_starts) << "batch " << i;
    EXPECT_TRUE(at::equal(a[i].video, b[i].video)) << "batch " << i;
    EXPECT_TRUE(at::equal(a[i].labels, b[i].labels)) << "batch " << i;
    if (a[i].audio.defined() || b[i].audio.defined()) EXPECT_TRUE(at::equal(a[i].audio, b[i].audio)) << "batch " << i;
  }
}

TEST(Loader, BatchShapesTypesAndNormalisation) {
  const Videos& v = six_videos();
  DataLoader loader(dataset_of(v.paths), {.batch_size = 4, .workers = 1, .shuffle = false, .clip_len = 4,
                                          .frame_stride = 2, .random_clip = false,
                                          .transform = "normalize=0.45:0.225"});
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  const std::vector<Batch> batches = epoch_of(loader, 0);
  ASSERT_EQ(batches.size(), 2u);
  const Batch& b = batches[0];
  EXPECT_EQ(b.video.sizes(), (std::vector<int64_t>{4, 3, 4, 32, 32}));
  EXPECT_EQ(b.video.scalar_type(), at::kFloat);
  EXPECT_EQ(b.labels.scalar_type(), at::kLong);
  EXPECT_EQ(b.labels.sizes(), (std::vector<int64_t>{4}));
  EXPECT_EQ(b.labels[1].item<int64_t>(), 1);
  EXPECT_EQ(b.indices, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_FALSE(b.audio.defined());
  EXPECT_EQ(batches[1].video.size(0), 2);  // the rest, not dropped

  // The centred clip of 20 frames spanning 7 is frames 6, 8, 10, 12; the values are
  // (rgb / 255 - 0.45) / 0.225 (the transform's normalize item, as a run's preprocess gives it) of
  // exactly the frames the reader decodes.
  VideoReader reader(v.paths[1], {.width = 32, .height = 32});
  const at::Tensor rgb = to_tensor(reader.read_frames({6, 8, 10, 12})).to(at::kFloat);
  const at::Tensor want = ((rgb / 255 - 0.45) / 0.225).permute({3, 0, 1, 2});
  EXPECT_TRUE(at::allclose(b.video[1], want, 1e-5, 1e-5));
  for (int64_t t = 0; t < 4; ++t) {
    const double red = (b.video[1][0][t].mean().item<double>() * 0.225 + 0.45) * 255;
    EXPECT_EQ(test::frame_index_of_red(red), 6 + 2 * t);
  }
  EXPECT_DOUBLE_EQ(b.clip_starts[1], 6 / test::kFps);
}

TEST(Loader, SameBatchesWhateverTheWorkerCount) {
  const Videos& v = six_videos();
  LoaderOptions o{.batch_size = 4, .workers = 0, .seed = 3, .clip_len = 3, .transform = "random_crop=24,hflip",
                  .audio = true};
  o.mel.audio_seconds = 0.5;
  DataLoader serial(dataset_of(v.paths), o);
  o.workers = 2;
  o.prefetch = 1;
  DataLoader parallel(dataset_of(v.paths), o);
  for (int64_t epoch : {0, 1}) {
    const std::vector<Batch> a = epoch_of(serial, epoch);
    const std::vector<Batch> b = epoch_of(parallel, epoch);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].video.sizes(), (std::vector<int64_t>{4, 3, 3, 24, 24}));
    EXPECT_EQ(a[0].audio.sizes(), (std::vector<int64_t>{4, 30, 40}));
    expect_same_batches(a, b);
  }
}

TEST(Loader, EpochsReorderTheSameSamples) {
  const Videos& v = six_videos();
  DataLoader loader(dataset_of(v.paths), {.batch_size = 2, .workers = 2, .seed = 5, .clip_len = 2});
  const std::vector<int64_t> first = indices_of(epoch_of(loader, 0));
  const std::vector<int64_t> second = indices_of(epoch_of(loader, 1));
  EXPECT_NE(first, second);
  std::vector<int64_t> a = first, b = second;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(a, b);
  EXPECT_EQ(indices_of(epoch_of(loader, 0)), first);  // an epoch's order is fixed by (seed, epoch)
}

TEST(Loader, ViewsAreTransformedApartFromTheSameFrames) {
  const Videos& v = six_videos();
  LoaderOptions o{.batch_size = 4, .workers = 1, .shuffle = false, .seed = 2, .clip_len = 8,
                  .random_clip = false, .transform = "speed=4:0.5-2,random_crop=24"};
  DataLoader single(dataset_of(v.paths), o);
  o.views = 2;
  DataLoader pairs(dataset_of(v.paths), o);
  const Batch one = epoch_of(single, 0).at(0), two = epoch_of(pairs, 0).at(0);
  ASSERT_EQ(two.video.sizes(), (std::vector<int64_t>{8, 3, 4, 24, 24}));
  EXPECT_EQ(two.indices, one.indices);
  EXPECT_EQ(two.labels.sizes(), one.labels.sizes());
  // View 0 is what a single-view loader makes; view 1 of sample i (row 4 + i) is another draw of
  // the same 8 frames: its frames lie among them, at another rate, start or crop.
  EXPECT_TRUE(at::equal(two.video.slice(0, 0, 4), one.video));
  int differ = 0;
  for (int64_t i = 0; i < 4; ++i) {
    differ += !at::equal(two.video[i], two.video[4 + i]);
    for (int64_t t = 0; t < 4; ++t) {
      const int64_t frame = test::frame_index_of_scaled(two.video[4 + i].select(1, t));
      EXPECT_GE(frame, 6) << i;  // the centred 8 of 20 frames: 6..13
      EXPECT_LE(frame, 13) << i;
    }
  }
  EXPECT_GE(differ, 3);
  o.views = 0;
  EXPECT_THROW(DataLoader(dataset_of(v.paths), o), InvalidArgument);
}

TEST(Loader, NothingIsNormalisedBehindTheTransform) {
  const Videos& v = six_videos();
  DataLoader loader(dataset_of(v.paths), {.batch_size = 2, .workers = 0, .shuffle = false, .clip_len = 4,
                                          .frame_stride = 2, .random_clip = false});
  const Batch b = epoch_of(loader, 0).at(0);
  VideoReader reader(v.paths[1], {.width = 32, .height = 32});
  const at::Tensor want = (to_tensor(reader.read_frames({6, 8, 10, 12})).to(at::kFloat) / 255).permute({3, 0, 1, 2});
  EXPECT_TRUE(at::allclose(b.video[1], want, 1e-6, 1e-6));
}

TEST(Loader, LabelsFollowTheSamplesAndRandomClipsVary) {
  const Videos& v = six_videos();
  DataLoader loader(dataset_of(v.paths), {.batch_size = 6, .workers = 1, .seed = 9, .clip_len = 2});
  std::set<double> starts;
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    const Batch b = epoch_of(loader, epoch).at(0);
    for (int64_t i = 0; i < 6; ++i) {
      EXPECT_EQ(b.labels[i].item<int64_t>(), b.indices[i] % 3);
      // The green channel tells which video the clip came from.
      const double green = b.video[i][1].mean().item<double>() * 255;
      EXPECT_NEAR(green, 40 * b.indices[i] + 20, 3);
      const int64_t t = test::frame_index_of_scaled(b.video[i].select(1, 0));
      EXPECT_NEAR(b.clip_starts[i] * test::kFps, t, 1e-6);
      starts.insert(b.clip_starts[i]);
    }
  }
  EXPECT_GT(starts.size(), 4u);  // 18 random starts out of 19 possible
}

TEST(Loader, MultiLabelBatchesAreMultiHot) {
  const Videos& v = six_videos();
  Dataset d = dataset_of({v.paths[0], v.paths[1]}, 4);
  d.multi_label = true;
  d.samples[0].labels = {0, 3};
  d.samples[1].labels = {2};
  DataLoader loader(d, {.batch_size = 2, .workers = 0, .shuffle = false, .clip_len = 2});
  const Batch b = epoch_of(loader, 0).at(0);
  EXPECT_EQ(b.labels.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(b.labels, at::tensor({1.f, 0.f, 0.f, 1.f, 0.f, 0.f, 1.f, 0.f}).view({2, 4})));
}

TEST(Loader, SampleTimeRangeRestrictsTheClip) {
  const Videos& v = six_videos();
  Dataset d = dataset_of(std::vector<std::string>(8, v.paths[2]));
  for (Sample& s : d.samples) {
    s.start = 1.0;  // frames 8, 9, 10, 11 at 8 fps
    s.end = 1.5;
  }
  DataLoader loader(d, {.batch_size = 8, .workers = 0, .seed = 1, .clip_len = 2});
  std::set<int64_t> firsts;
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    const Batch b = epoch_of(loader, epoch).at(0);
    for (int64_t i = 0; i < b.video.size(0); ++i) {
      for (int64_t t = 0; t < 2; ++t) {
        const int64_t frame = test::frame_index_of_scaled(b.video[i].select(1, t));
        EXPECT_GE(frame, 8);
        EXPECT_LE(frame, 11);
      }
      firsts.insert(test::frame_index_of_scaled(b.video[i].select(1, 0)));
    }
  }
  EXPECT_EQ(firsts, (std::set<int64_t>{8, 9, 10}));  // every start that fits, drawn at random
}

TEST(Loader, UnreadableFileIsSkippedOnceAndNeverRetried) {
  const Videos& v = six_videos();
  const std::string dir = test::scratch_dir("loader_broken");
  const std::string broken = (fs::path(dir) / "broken.mp4").string();
  test::write_text(broken, "this is not a video at all");
  DataLoader loader(dataset_of({v.paths[0], broken, v.paths[1], v.paths[2]}),
                    {.batch_size = 4, .workers = 2, .seed = 2, .clip_len = 2});
  std::vector<Batch> batches;
  ASSERT_NO_THROW(batches = epoch_of(loader, 0));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].video.size(0), 3);
  EXPECT_EQ(batches[0].labels.size(0), 3);
  EXPECT_EQ(std::count(batches[0].indices.begin(), batches[0].indices.end(), 1), 0);
  ASSERT_EQ(loader.skipped().size(), 1u);
  EXPECT_EQ(loader.skipped()[0].rfind(broken + ": ", 0), 0u) << loader.skipped()[0];

  // Even once the file becomes readable, the loader does not open it again.
  test::write_coded_video(broken, 20, 5);
  batches = epoch_of(loader, 1);
  EXPECT_EQ(batches.at(0).video.size(0), 3);
  EXPECT_EQ(loader.skipped().size(), 1u);
}

TEST(Loader, OtherErrorsReachNext) {
  const Videos& v = six_videos();
  // A crop larger than the 32x32 frames is the caller's mistake, not a bad file.
  DataLoader loader(dataset_of(v.paths), {.batch_size = 3, .workers = 2, .clip_len = 2, .transform = "center_crop=64"});
  loader.start_epoch(0);
  EXPECT_THROW(loader.next(), InvalidArgument);
  EXPECT_TRUE(loader.skipped().empty());
  EXPECT_THROW(loader.next(), InvalidArgument);  // the next batch fails the same way
  EXPECT_FALSE(loader.next().has_value());
}

TEST(Loader, BadOptionsAndMisuse) {
  const Dataset d = dataset_of(six_videos().paths);
  EXPECT_THROW(DataLoader(d, {.batch_size = 0}), InvalidArgument);
  EXPECT_THROW(DataLoader(d, {.clip_len = 0}), InvalidArgument);
  EXPECT_THROW(DataLoader(d, {.transform = "spin=3"}), InvalidArgument);
  EXPECT_THROW(DataLoader(d, {.video = false, .audio = false}), InvalidArgument);
  Dataset bad = d;
  bad.samples[0].labels = {7};
  EXPECT_THROW(DataLoader(bad, {}), InvalidArgument);
  DataLoader loader(d, {.workers = 1});
  EXPECT_THROW(loader.next(), std::logic_error);
}

TEST(Loader, RestartingAnEpochMidwayAndStoppingEarly) {
  const Videos& v = six_videos();
  const LoaderOptions o{.batch_size = 1, .workers = 2, .prefetch = 2, .seed = 4, .clip_len = 2};
  DataLoader loader(dataset_of(v.paths), o);
  loader.start_epoch(0);
  ASSERT_TRUE(loader.next().has_value());
  const std::vector<Batch> restarted = epoch_of(loader, 1);  // epoch 0 is abandoned unfinished
  DataLoader fresh(dataset_of(v.paths), {.batch_size = 1, .workers = 0, .seed = 4, .clip_len = 2});
  expect_same_batches(restarted, epoch_of(fresh, 1));

  // Destroyed mid-epoch with workers busy or waiting: must return (a hang fails by timeout).
  auto early = std::make_unique<DataLoader>(dataset_of(v.paths), o);
  early->start_epoch(0);
  ASSERT_TRUE(early->next().has_value());
  early.reset();
  EXPECT_EQ(early, nullptr);
}

// --- audio ---

// Video 24 frames (3 s at 8 fps), audio silent until 1 s, then 1 kHz; and a video with no audio.
struct AudioVideos {
  std::string tone;
  std::string mute;
};

const AudioVideos& audio_videos() {
  static const AudioVideos videos = [] {
    const std::string dir = test::scratch_dir("loader_audio");
    AudioVideos a{(fs::path(dir) / "tone.avi").string(), (fs::path(dir) / "mute.avi").string()};
    test::write_coded_video(a.tone, 24, 0, test::tone_from(1.0, 3.0));
    test::write_coded_video(a.mute, 24, 1);
    return a;
  }();
  return videos;
}

constexpr int64_t kToneBin = 13;  // the default mel filter centred nearest 1 kHz (log_mel_test)

TEST(LoaderAudio, AudioFileAndFileWithoutAudio) {
  const AudioVideos& a = audio_videos();
  DataLoader loader(dataset_of({a.tone, a.mute}),
                    {.batch_size = 2, .workers = 0, .shuffle = false, .clip_len = 4, .random_clip = false, .audio = true});
  const Batch b = epoch_of(loader, 0).at(0);
  EXPECT_TRUE(loader.skipped().empty());
  ASSERT_EQ(b.audio.sizes(), (std::vector<int64_t>{2, 124, 40}));
  EXPECT_EQ(b.audio.scalar_type(), at::kFloat);
  // The centred clip starts at frame 10 (1.25 s): the tone fills its first 1.75 s, zeros the rest.
  EXPECT_DOUBLE_EQ(b.clip_starts[0], 1.25);
  const at::Tensor tone = b.audio[0];
  EXPECT_TRUE(at::all(tone.slice(0, 0, 100).argmax(1) == kToneBin).item<bool>());
  EXPECT_GT(tone.slice(0, 0, 100).select(1, kToneBin).min().item<double>(), 5.0);
  EXPECT_NEAR(tone.slice(0, 112).max().item<double>(), std::log(1e-6), 1e-4);  // past the end of the file
  // No audio stream: silence, not an error.
  EXPECT_NEAR(b.audio[1].min().item<double>(), std::log(1e-6), 1e-4);
  EXPECT_NEAR(b.audio[1].max().item<double>(), std::log(1e-6), 1e-4);
  EXPECT_EQ(b.video.sizes(), (std::vector<int64_t>{2, 3, 4, 32, 32}));

  LoaderOptions audio_only{.batch_size = 2, .workers = 0, .clip_len = 4, .video = false, .audio = true};
  DataLoader only(dataset_of({a.tone, a.mute}), audio_only);
  const Batch c = epoch_of(only, 0).at(0);
  EXPECT_FALSE(c.video.defined());
  EXPECT_EQ(c.audio.size(0), 2);
}

TEST(LoaderAudio, AudioIsAlignedWithTheClip) {
  const AudioVideos& a = audio_videos();
  LoaderOptions o{.batch_size = 12, .workers = 2, .seed = 8, .clip_len = 2, .audio = true};
  o.mel.audio_seconds = 0.5;  // 30 mel frames, frame f covering [start + f * 16 ms, + 32 ms)
  DataLoader loader(dataset_of(std::vector<std::string>(12, a.tone)), o);
  int silent_frames = 0, tone_frames = 0, early_clips = 0, late_clips = 0;
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    const Batch b = epoch_of(loader, epoch).at(0);
    for (int64_t i = 0; i < b.audio.size(0); ++i) {
      const double start = b.clip_starts[i];
      (start < 1.0 ? early_clips : late_clips)++;
      for (int64_t f = 0; f < 30; ++f) {
        const double lo = start + f * 0.016, hi = lo + 0.032;
        const at::Tensor frame = b.audio[i][f];
        if (lo >= 1.0 && hi <= 3.0) {  // all tone (the file ends at 3 s)
          ++tone_frames;
          EXPECT_GT(frame[kToneBin].item<double>(), 5.0) << "clip at " << start << " s, frame " << f;
        } else if (hi <= 1.0 || lo >= 3.0) {  // no tone at all
          ++silent_frames;
          EXPECT_LT(frame.max().item<double>(), -13.0) << "clip at " << start << " s, frame " << f;
        }
      }
    }
  }
  EXPECT_GT(early_clips, 0);
  EXPECT_GT(late_clips, 0);
  EXPECT_GT(silent_frames, 100);
  EXPECT_GT(tone_frames, 100);
}

// A video no longer than a clip gives the same frames every epoch: the loader decodes it once
// and keeps it (within cache_bytes); random clips of longer videos are decoded every time.
TEST(Loader, SeedIndependentClipsAreDecodedOnce) {
  const std::string dir = test::scratch_dir("loader_cache");
  const std::string a = (fs::path(dir) / "a.mp4").string(), b = (fs::path(dir) / "b.mp4").string();
  test::write_coded_video(a, 4, 5);
  test::write_coded_video(b, 4, 9);
  for (const int64_t cache : {int64_t{1} << 30, int64_t{0}}) {
    const std::string path = (fs::path(dir) / fmt::format("v{}.mp4", cache)).string();
    fs::copy_file(a, path, fs::copy_options::overwrite_existing);
    DataLoader loader(dataset_of({path}), {.batch_size = 1, .workers = 1, .shuffle = false, .clip_len = 4,
                                          .cache_bytes = cache});
    const at::Tensor first = epoch_of(loader, 0).at(0).video;
    fs::copy_file(b, path, fs::copy_options::overwrite_existing);  // new content under the same name
    const at::Tensor second = epoch_of(loader, 1).at(0).video;
    EXPECT_EQ(first.equal(second), cache > 0) << "cache_bytes " << cache;
  }
}

}  // namespace
}  // namespace vidrep
