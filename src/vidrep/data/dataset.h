// Dataset: the labelled videos of one split (train / val / test) of a dataset folder.
//
//   vidrep::Dataset train = vidrep::load_dataset("data/motion", "train");
//   train.classes;                  // {"down", "left", ...}
//   train.samples[0].path;          // absolute or relative-to-cwd path of the video
//   train.samples[0].labels;        // {3} (several for multi-label lists)
//
// Four layouts are recognised, checked in this order:
//   1. list files  DIR/{train,val,test}.txt, lines "relative/path label" where label is an integer
//      or a class name, several labels separated by ',' (multi-label); blank lines and lines
//      starting with '#' are skipped; DIR/classes.txt (one name per line) fixes names and order.
//   2. a folder per class  DIR/{train,val,test}/<class>/<video>.
//   3. CSV  DIR/{train,val,test}.csv with a header "path,label,start,end" (Kinetics style, times in
//      seconds; start/end may be empty = whole video; columns in any order, start/end optional;
//      several labels as a quoted field "a,b").
//   4. none of those, but video files in DIR or its sub-folders (3 levels down at most): unlabelled
//      videos (for the autoencoder), split by a hash of each file's path relative to DIR: a tenth
//      each to test and val, the rest train, so a file keeps its split when others are added. Each split gets one video at
//      least (a split the hash leaves empty takes one from the largest), so at least 3 are
//      needed. No classes, samples without labels, labelled = false.
// Classes are the same for every split of a dataset: classes.txt when present, else the sorted
// union of the names used by all splits (integer labels: "0".."max"). Without a val split, a fixed
// 10 % of train (seeded by kValidationSeed, so every run holds out the same videos) is val, and
// train is the rest (round(10 %), at least one sample when train has two or more; both keep the
// file's order). Paths are resolved against DIR. Throws ConfigError naming the file and line
// for a malformed list ("data/x/train.txt:12: unknown class 'foo'"), OpenError when DIR has none
// of the layouts or the split is missing, InvalidArgument for a split name other than the three.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

struct Sample {
  std::string path;
  std::vector<int64_t> labels;  // class indices; one for single-label datasets
  double start = 0;             // seconds; the part of the video this sample covers
  double end = -1;              // -1: to the end
};

struct Dataset {
  std::string root;                  // DIR as given
  std::string split;                 // "train" | "val" | "test"
  std::vector<std::string> classes;  // index -> name
  std::vector<Sample> samples;
  bool multi_label = false;          // some sample of any split has more than one label
  bool labelled = true;              // false: a folder of videos (layout 4), no classes or labels
};

inline constexpr uint64_t kValidationSeed = 0x5eed'0f'7a11;
// Integer labels index classes 0..max; larger ones are refused (ImageNet-21k has 21,841 classes).
inline constexpr int64_t kMaxClasses = 100'000;

// split: "train" | "val" | "test".
Dataset load_dataset(const std::string& dir, const std::string& split);

// True when load_dataset(DIR, split) finds the split (test splits are optional; val is always
// there when train is, held out of it). Never throws.
bool has_split(const std::string& dir, const std::string& split);

// Writes DIR/{split}.txt and DIR/classes.txt from in-memory lists (paths relative to DIR), each
// through a temporary name. Used by `vidrep synth`. Throws InvalidArgument for a label or class
// name the readers could not read back (empty, with spaces; class names also without ','),
// WriteError when DIR is not writable.
void write_list_file(const std::string& dir, const std::string& split,
                     const std::vector<std::pair<std::string, std::string>>& path_and_label);
void write_classes_file(const std::string& dir, const std::vector<std::string>& classes);

}  // namespace vidrep
