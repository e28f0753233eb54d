#include "vidrep/data/dataset.h"

#include "vidrep/error.h"

#include "data/data_test_support.h"
#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using test::write_text;

std::string path_in(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

TEST(DatasetLists, IntegerLabelsGiveNumberedClasses) {
  const std::string dir = test::scratch_dir("dataset_int");
  write_text(path_in(dir, "train.txt"), "# path label\na.mp4 0\n\nsub/b.mp4 2\n  my clip.mp4 1  \r\n");
  write_text(path_in(dir, "val.txt"), "c.mp4 3\n");
  const Dataset train = load_dataset(dir, "train");
  EXPECT_EQ(train.classes, (std::vector<std::string>{"0", "1", "2", "3"}));  // the max of every split
  EXPECT_EQ(train.split, "train");
  EXPECT_FALSE(train.multi_label);
  ASSERT_EQ(train.samples.size(), 3u);
  EXPECT_EQ(train.samples[0].path, path_in(dir, "a.mp4"));
  EXPECT_EQ(train.samples[1].path, path_in(dir, "sub/b.mp4"));
  EXPECT_EQ(train.samples[2].path, path_in(dir, "my clip.mp4"));  // spaces in paths survive
  EXPECT_EQ(train.samples[1].labels, (std::vector<int64_t>{2}));
  EXPECT_EQ(train.samples[2].labels, (std::vector<int64_t>{1}));
  EXPECT_EQ(train.samples[0].end, -1);
  EXPECT_EQ(load_dataset(dir, "val").samples.at(0).labels, (std::vector<int64_t>{3}));
}

TEST(DatasetLists, NamedLabelsAreTheSortedUnionOfAllSplits) {
  const std::string dir = test::scratch_dir("dataset_names");
  write_text(path_in(dir, "train.txt"), "a.mp4 walk\nb.mp4 run\n");
  write_text(path_in(dir, "val.txt"), "c.mp4 jump\n");
  const Dataset train = load_dataset(dir, "train");
  EXPECT_EQ(train.classes, (std::vector<std::string>{"jump", "run", "walk"}));
  EXPECT_EQ(train.samples[0].labels, (std::vector<int64_t>{2}));
  EXPECT_EQ(train.samples[1].labels, (std::vector<int64_t>{1}));
  EXPECT_EQ(load_dataset(dir, "val").classes, train.classes);
}

TEST(DatasetLists, ClassesFileFixesNamesAndOrder) {
  const std::string dir = test::scratch_dir("dataset_classes");
  write_text(path_in(dir, "classes.txt"), "zebra\n# comment\napple\nmango\n");
  write_text(path_in(dir, "train.txt"), "a.mp4 apple\nb.mp4 2\nc.mp4 zebra\n");  // 2 indexes classes.txt
  write_text(path_in(dir, "val.txt"), "d.mp4 apple\n");
  const Dataset train = load_dataset(dir, "train");
  EXPECT_EQ(train.classes, (std::vector<std::string>{"zebra", "apple", "mango"}));
  EXPECT_EQ(train.samples[0].labels, (std::vector<int64_t>{1}));
  EXPECT_EQ(train.samples[1].labels, (std::vector<int64_t>{2}));
  EXPECT_EQ(train.samples[2].labels, (std::vector<int64_t>{0}));
}

TEST(DatasetLists, MultiLabelLists) {
  const std::string dir = test::scratch_dir("dataset_multi");
  write_text(path_in(dir, "train.txt"), "a.mp4 cat,dog\nb.mp4 dog\n");
  write_text(path_in(dir, "val.txt"), "c.mp4 bird\n");
  const Dataset train = load_dataset(dir, "train");
  EXPECT_TRUE(train.multi_label);
  EXPECT_EQ(train.samples[0].labels, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(train.samples[1].labels, (std::vector<int64_t>{2}));
  // The dataset is multi-label even in a split whose samples all have one label.
  EXPECT_TRUE(load_dataset(dir, "val").multi_label);
}

TEST(DatasetErrors, NameTheFileAndLine) {
  const std::string dir = test::scratch_dir("dataset_errors");
  write_text(path_in(dir, "classes.txt"), "a\nb\n");
  write_text(path_in(dir, "train.txt"), "x.mp4 a\n# note\ny.mp4 foo\n");
  EXPECT_EQ(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }),
            path_in(dir, "train.txt") + ":3: unknown class 'foo'");

  write_text(path_in(dir, "train.txt"), "x.mp4 a\njust_a_path.mp4\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find(path_in(dir, "train.txt") + ":2: expected 'path label'"),
            std::string::npos);

  write_text(path_in(dir, "train.txt"), "x.mp4 5\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find("train.txt:1: label 5 out of range (2 classes"),
            std::string::npos);

  write_text(path_in(dir, "train.txt"), "x.mp4 a,,b\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find("train.txt:1: empty label"), std::string::npos);

  // An error in another split's file is found too: classes are shared by every split.
  write_text(path_in(dir, "train.txt"), "x.mp4 a\n");
  write_text(path_in(dir, "test.txt"), "y.mp4 a\nz.mp4 nope\n");
  EXPECT_EQ(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }),
            path_in(dir, "test.txt") + ":2: unknown class 'nope'");
}

TEST(DatasetErrors, IntegerLabelsMixedWithNamesNeedAClassesFile) {
  const std::string dir = test::scratch_dir("dataset_mixed");
  write_text(path_in(dir, "train.txt"), "x.mp4 walk\ny.mp4 3\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find("train.txt:2: integer label mixed with class names"),
            std::string::npos);
}

TEST(DatasetErrors, MissingLayoutOrSplit) {
  const std::string dir = test::scratch_dir("dataset_missing");
  EXPECT_THROW(load_dataset(dir, "train"), OpenError);
  EXPECT_THROW(load_dataset(path_in(dir, "does-not-exist"), "train"), OpenError);
  EXPECT_FALSE(has_split(dir, "train"));
  EXPECT_FALSE(has_split(path_in(dir, "does-not-exist"), "val"));

  write_text(path_in(dir, "train.txt"), "x.mp4 0\ny.mp4 1\n");
  EXPECT_TRUE(has_split(dir, "train"));
  EXPECT_TRUE(has_split(dir, "val"));  // held out of train
  EXPECT_FALSE(has_split(dir, "test"));
  try {
    load_dataset(dir, "test");
    FAIL() << "a missing test split must throw";
  } catch (const OpenError& e) {
    EXPECT_NE(std::string(e.what()).find("test.txt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_dataset(dir, "holdout"), InvalidArgument);
}

TEST(DatasetFolders, FolderPerClassListsVideosSorted) {
  const std::string dir = test::scratch_dir("dataset_folders");
  for (const char* f : {"train/cat/b.mp4", "train/cat/a.avi", "train/cat/notes.txt", "train/dog/x.MKV",
                        "train/dog/y.ts", "val/cat/c.webm"}) {
    write_text(path_in(dir, f), "");
  }
  fs::create_directories(path_in(dir, "val/emu"));  // an empty class folder still names a class
  const Dataset train = load_dataset(dir, "train");
  EXPECT_EQ(train.classes, (std::vector<std::string>{"cat", "dog", "emu"}));
  ASSERT_EQ(train.samples.size(), 4u);  // notes.txt is not a video
  EXPECT_EQ(train.samples[0].path, path_in(dir, "train/cat/a.avi"));
  EXPECT_EQ(train.samples[1].path, path_in(dir, "train/cat/b.mp4"));
  EXPECT_EQ(train.samples[2].path, path_in(dir, "train/dog/x.MKV"));
  EXPECT_EQ(train.samples[3].labels, (std::vector<int64_t>{1}));
  const Dataset val = load_dataset(dir, "val");
  ASSERT_EQ(val.samples.size(), 1u);
  EXPECT_EQ(val.samples[0].labels, (std::vector<int64_t>{0}));
  EXPECT_FALSE(has_split(dir, "test"));
}

// Layout 4: a folder of unlabelled videos is split by path hash; every video lands in exactly one
// split, each split has one at least, and adding files never moves the ones already there.
TEST(DatasetPlain, FolderOfVideosSplitsByPathHash) {
  const std::string dir = test::scratch_dir("dataset_plain");
  write_text(path_in(dir, "notes.txt"), "");
  // Sub-folders are searched 3 levels down, not deeper.
  for (const char* f : {"a.mp4", "x/y/z/b.MKV", "x/y/z/w/too_deep.mp4"}) write_text(path_in(dir, f), "");
  EXPECT_FALSE(has_split(dir, "train"));
  EXPECT_NE(test::error_message<OpenError>([&] { load_dataset(dir, "train"); }).find("2 video file(s)"),
            std::string::npos);
  write_text(path_in(dir, "c.webm"), "");
  auto splits_of = [&] {
    std::map<std::string, std::string> split;
    for (const char* name : {"train", "val", "test"}) {
      const Dataset d = load_dataset(dir, name);
      EXPECT_FALSE(d.labelled);
      EXPECT_TRUE(d.classes.empty());
      EXPECT_FALSE(d.samples.empty()) << name;
      for (const Sample& s : d.samples) {
        EXPECT_TRUE(s.labels.empty());
        EXPECT_TRUE(split.emplace(fs::relative(s.path, dir).string(), name).second) << s.path << " in two splits";
      }
    }
    return split;
  };
  EXPECT_EQ(splits_of().size(), 3u);  // one each
  for (int i = 0; i < 40; ++i) write_text(path_in(dir, fmt::format("more/v{:02}.mp4", i)), "");
  const std::map<std::string, std::string> before = splits_of();
  EXPECT_EQ(before.size(), 43u);
  size_t test_count = 0;
  for (const auto& [path, split] : before) test_count += split == "test";
  EXPECT_GE(test_count, 1u);
  EXPECT_LE(test_count, 12u);  // about a tenth
  for (int i = 40; i < 50; ++i) write_text(path_in(dir, fmt::format("more/v{:02}.mp4", i)), "");
  const std::map<std::string, std::string> after = splits_of();
  EXPECT_EQ(after.size(), 53u);
  for (const auto& [path, split] : before) EXPECT_EQ(after.at(path), split) << path;
}

TEST(DatasetCsv, PathLabelStartEnd) {
  const std::string dir = test::scratch_dir("dataset_csv");
  write_text(path_in(dir, "train.csv"),
             "path,label,start,end\n"
             "a.mp4,swim,1.5,4\n"
             "b.mp4,run,,\n"
             "\"c, d.mp4\",\"run,swim\",0,2.25\n");
  write_text(path_in(dir, "val.csv"), "label,path\nrun,e.mp4\n");  // any column order; no start/end
  const Dataset train = load_dataset(dir, "train");
  EXPECT_EQ(train.classes, (std::vector<std::string>{"run", "swim"}));
  ASSERT_EQ(train.samples.size(), 3u);
  EXPECT_DOUBLE_EQ(train.samples[0].start, 1.5);
  EXPECT_DOUBLE_EQ(train.samples[0].end, 4);
  EXPECT_EQ(train.samples[1].start, 0);
  EXPECT_EQ(train.samples[1].end, -1);
  EXPECT_EQ(train.samples[2].path, path_in(dir, "c, d.mp4"));
  EXPECT_EQ(train.samples[2].labels, (std::vector<int64_t>{0, 1}));
  EXPECT_TRUE(train.multi_label);
  const Dataset val = load_dataset(dir, "val");
  ASSERT_EQ(val.samples.size(), 1u);
  EXPECT_EQ(val.samples[0].path, path_in(dir, "e.mp4"));
  EXPECT_EQ(val.samples[0].labels, (std::vector<int64_t>{0}));
  EXPECT_EQ(val.samples[0].end, -1);

  write_text(path_in(dir, "train.csv"), "path,label,start,end\na.mp4,swim,3,2\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find("train.csv:2: end 2 s is not after start 3 s"),
            std::string::npos);
  write_text(path_in(dir, "train.csv"), "path,label,start,end\na.mp4,swim,x,\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find("train.csv:2: start"), std::string::npos);
  write_text(path_in(dir, "train.csv"), "file,class\na.mp4,swim\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find("train.csv:1: expected a header"), std::string::npos);
  // A header naming a column twice (found by fuzzing: rows were then read past their end).
  write_text(path_in(dir, "train.csv"), "path,x,x,label\na.mp4,swim\n");
  EXPECT_NE(test::error_message<ConfigError>([&] { load_dataset(dir, "train"); }).find("train.csv:1: column 'x' appears twice"),
            std::string::npos);
}

TEST(DatasetHoldout, ValIsAFixedDisjointTenthOfTrain) {
  const std::string dir = test::scratch_dir("dataset_holdout");
  std::string list;
  for (int i = 0; i < 25; ++i) list += fmt::format("v{}.mp4 {}\n", i, i % 3);
  write_text(path_in(dir, "train.txt"), list);
  const Dataset train = load_dataset(dir, "train");
  const Dataset val = load_dataset(dir, "val");
  EXPECT_EQ(val.split, "val");
  ASSERT_EQ(val.samples.size(), 3u);  // round(2.5)
  ASSERT_EQ(train.samples.size(), 22u);
  std::set<std::string> all;
  for (const Sample& s : train.samples) all.insert(s.path);
  for (const Sample& s : val.samples) EXPECT_TRUE(all.insert(s.path).second) << s.path << " is in both";
  EXPECT_EQ(all.size(), 25u);
  // Every load holds out the same videos.
  const Dataset again = load_dataset(dir, "val");
  for (size_t i = 0; i < val.samples.size(); ++i) EXPECT_EQ(again.samples[i].path, val.samples[i].path);
  // Not simply the first or last lines of the file.
  EXPECT_FALSE(val.samples[0].path == path_in(dir, "v0.mp4") && val.samples[2].path == path_in(dir, "v2.mp4"));

  write_text(path_in(dir, "train.txt"), "a.mp4 0\nb.mp4 1\n");
  EXPECT_EQ(load_dataset(dir, "val").samples.size(), 1u);  // at least one of two
  EXPECT_EQ(load_dataset(dir, "train").samples.size(), 1u);
  write_text(path_in(dir, "train.txt"), "a.mp4 0\n");
  EXPECT_EQ(load_dataset(dir, "val").samples.size(), 0u);
  EXPECT_EQ(load_dataset(dir, "train").samples.size(), 1u);
}

TEST(DatasetWrite, ListAndClassesFilesReadBack) {
  const std::string dir = test::scratch_dir("dataset_write");
  write_classes_file(dir, {"up", "down"});
  write_list_file(dir, "train", {{"clips/0.mp4", "down"}, {"clips/1 b.mp4", "up"}});
  write_list_file(dir, "val", {{"clips/2.mp4", "0"}});
  const Dataset train = load_dataset(dir, "train");
  EXPECT_EQ(train.classes, (std::vector<std::string>{"up", "down"}));
  ASSERT_EQ(train.samples.size(), 2u);
  EXPECT_EQ(train.samples[1].path, path_in(dir, "clips/1 b.mp4"));
  EXPECT_EQ(train.samples[0].labels, (std::vector<int64_t>{1}));
  EXPECT_EQ(load_dataset(dir, "val").samples[0].labels, (std::vector<int64_t>{0}));
  // Only the three files: the temporary names are gone.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 3);

  EXPECT_THROW(write_list_file(dir, "test", {{"a.mp4", "two words"}}), InvalidArgument);
  EXPECT_THROW(write_list_file(dir, "test", {{"#a.mp4", "up"}}), InvalidArgument);  // would read as a comment
  EXPECT_THROW(write_classes_file(dir, {"ok", ""}), InvalidArgument);
  EXPECT_FALSE(fs::exists(path_in(dir, "test.txt")));
  EXPECT_THROW(write_list_file(path_in(dir, "no/such/dir"), "test", {{"a.mp4", "up"}}), WriteError);
}

}  // namespace
}  // namespace vidrep
