// Every input a fuzz target (fuzz/, scripts/fuzz.sh) ever crashed or hung on, replayed through the
// public API it reached: each now gives a vidrep error (or a result), never a crash, a hang or
// another exception type. Inputs live in tests/fuzz_inputs/<target>/.
#include "vidrep/data/dataset.h"
#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/npz.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/tensor.h"
#include "vidrep/tokens/bucket_config.h"
#include "vidrep/track/rules.h"
#include "vidrep/train/config.h"
#include "vidrep/transform/pipeline.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

// Runs `check` on every input of `target`; a vidrep::Error is a fine answer.
int replay(const std::string& target, const std::function<void(const fs::path&)>& check) {
  const fs::path dir = fs::path(VIDREP_FUZZ_INPUTS) / target;
  int n = 0;
  if (!fs::is_directory(dir)) return n;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename() == "README.md") continue;
    ++n;
    try {
      check(e.path());
    } catch (const Error&) {
    }
  }
  return n;
}

TEST(FuzzInputs, Media) {
  replay("media", [](const fs::path& p) {
    (void)probe(p.string());
    // Strict and lenient: a lenient reader converts what a strict one refuses to decode.
    for (const bool strict : {true, false}) {
      try {
        VideoReader reader(p.string(), {.width = 32, .height = 24, .threads = 1, .strict = strict});
        (void)to_tensor(reader.read_range(0, std::min<int64_t>(reader.num_frames(), 32)));
      } catch (const Error&) {
      }
    }
  });
}

TEST(FuzzInputs, NpyAndNpz) {
  replay("npy", [](const fs::path& p) {
    try {
      (void)to_tensor(io::load_npy(p.string()));
    } catch (const Error&) {
    }
    (void)io::load_npz(p.string());
  });
}

TEST(FuzzInputs, Configs) {
  const int n = replay("config", [](const fs::path& p) {
    try {
      BucketConfig::from_json(test::read_bytes(p)).validate();
    } catch (const Error&) {
    }
    try {
      (void)track::RuleConfig::from_json(test::read_bytes(p));
    } catch (const Error&) {
    }
    (void)merge_config_file(TrainConfig{}, p.string());
  });
  EXPECT_GE(n, 1);
}

TEST(FuzzInputs, DatasetLists) {
  const std::string dir = test::scratch_dir("fuzz_dataset");
  const int n = replay("dataset", [&](const fs::path& p) {
    const std::string bytes = test::read_bytes(p);
    if (bytes.empty()) return;
    const bool csv = bytes[0] & 1;  // as fuzz/fuzz_dataset.cpp lays it out
    fs::remove(dir + (csv ? "/train.txt" : "/train.csv"));
    std::ofstream(dir + (csv ? "/train.csv" : "/train.txt"), std::ios::binary) << bytes.substr(1);
    (void)load_dataset(dir, "train");
  });
  EXPECT_GE(n, 1);
}

TEST(FuzzInputs, TransformSpecs) {
  replay("transform", [](const fs::path& p) {
    const std::string text = test::read_bytes(p);
    try {
      (void)transform::Pipeline::parse(text);
    } catch (const Error&) {
    }
    (void)transform::Pipeline::from_json(text);
  });
}

}  // namespace
}  // namespace vidrep
