// Curation end to end on a folder made by the ffmpeg CLI: broken, too short, too small, black and
// static files rejected with their reasons, duplicate clips left out, the rest cut into shot clips
// in tar shards Python's tarfile reads; shards + merge and a run killed and continued give the
// same bytes as one uninterrupted run.
#include "vidrep/apps/autoencoder.h"
#include "vidrep/curate/curate.h"
#include "vidrep/data/synth_dataset.h"
#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/tensor.h"
#include "vidrep/train/trainer.h"

#include "support/fixtures.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

std::vector<nlohmann::json> lines_of(const fs::path& path) {
  std::vector<nlohmann::json> out;
  std::istringstream in(test::read_bytes(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

void ffmpeg(const std::string& args, const std::string& path) {
  const std::string cmd = "ffmpeg -y -nostdin -v error " + args + " -c:v libx264 -pix_fmt yuv420p -g 50 '" + path + "'";
  ASSERT_EQ(test::run(cmd), 0) << cmd;
}

// raw/: two good videos (one with two shots), a re-encode of the first (its clips are
// duplicates), and five that are rejected.
std::string raw_folder() {
  return test::made_folder("curate_raw", [](const std::string& t) {
    ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -f lavfi -i 'mandelbrot=size=160x120:rate=25,trim=duration=2' "
           "-filter_complex '[0][1]concat=n=2:v=1'",
           t + "/a_two_shots.mp4");
    ffmpeg("-f lavfi -i 'life=size=160x120:rate=25:mold=10:ratio=0.3:seed=3,trim=duration=3'", t + "/b_life.mp4");
    EXPECT_EQ(test::run("ffmpeg -y -nostdin -v error -i '" + t + "/a_two_shots.mp4' -c:v libx264 -crf 30 -g 50 '" + t + "/c_copy.mp4'"), 0);
    ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25:duration=1", t + "/d_short.mp4");
    ffmpeg("-f lavfi -i testsrc2=size=48x32:rate=25:duration=3", t + "/e_tiny.mp4");
    ffmpeg("-f lavfi -i color=black:size=160x120:rate=25:duration=3", t + "/f_black.mp4");
    ffmpeg("-f lavfi -i smptebars=size=160x120:rate=25:duration=3", t + "/g_static.mp4");
    std::ofstream(t + "/h_broken.mp4") << "this is not a video";
  });
}

std::vector<std::string> raw_files() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(raw_folder())) files.push_back(e.path().string());
  return files;
}

// The outputs that must be reproducible, as one string.
std::string outputs_of(const fs::path& out) {
  std::string all;
  for (const char* name : {"manifest.jsonl", "rejected.jsonl", "stats.json"}) all += test::read_bytes(out / name);
  for (const auto& e : fs::directory_iterator(out / "shards")) all += e.path().filename().string() + test::read_bytes(e.path());
  return all;
}

const fs::path& reference_run() {
  static const fs::path out = [] {
    const fs::path dir = test::scratch_dir("curate_reference");
    curate::curate({.inputs = raw_files(), .out_dir = dir.string()});
    return dir;
  }();
  return out;
}

TEST(Curate, RejectsWithReasonsDedupsAndShards) {
  const fs::path out = reference_run();
  const auto rejected = lines_of(out / "rejected.jsonl");
  std::map<std::string, std::string> why;
  int duplicates = 0;
  for (const auto& r : rejected) {
    const std::string file = fs::path(r["source"].get<std::string>()).filename().string();
    if (r.contains("clip")) {
      EXPECT_EQ(file, "c_copy.mp4") << r.dump();
      ++duplicates;
    } else {
      why[file] = r["reason"].get<std::string>();
    }
  }
  EXPECT_EQ(duplicates, 2) << "both clips of the re-encode";
  EXPECT_EQ(why.size(), 5u);
  EXPECT_EQ(why["d_short.mp4"].rfind("too short", 0), 0u) << why["d_short.mp4"];
  EXPECT_EQ(why["e_tiny.mp4"].rfind("too small", 0), 0u) << why["e_tiny.mp4"];
  EXPECT_EQ(why["f_black.mp4"].rfind("mostly black or blank", 0), 0u) << why["f_black.mp4"];
  EXPECT_EQ(why["g_static.mp4"].rfind("static", 0), 0u) << why["g_static.mp4"];
  EXPECT_EQ(why["h_broken.mp4"].rfind("corrupt", 0), 0u) << why["h_broken.mp4"];

  const auto manifest = lines_of(out / "manifest.jsonl");
  ASSERT_EQ(manifest.size(), 3u);  // a's two shots, b's one
  EXPECT_EQ(fs::path(manifest[0]["source"].get<std::string>()).filename(), "a_two_shots.mp4");
  EXPECT_EQ(manifest[0]["first_frame"], 0);
  EXPECT_EQ(manifest[0]["last_frame"], 49);
  EXPECT_EQ(manifest[1]["first_frame"], 50);
  EXPECT_EQ(manifest[1]["frames"], 50);
  EXPECT_EQ(fs::path(manifest[2]["source"].get<std::string>()).filename(), "b_life.mp4");
  for (const auto& m : manifest) {
    for (const char* key : {"key", "source", "first_frame", "last_frame", "frames", "start", "end", "width", "height", "fps",
                            "scores", "bucket", "shard"}) {
      EXPECT_TRUE(m.contains(key)) << key;
    }
    EXPECT_GT(m["scores"]["motion"].get<double>(), 0.0);
    EXPECT_EQ(m["shard"], "shards/00000.tar");
  }
  const auto stats = nlohmann::json::parse(test::read_bytes(out / "stats.json"));
  EXPECT_EQ(stats["inputs"], 8);
  EXPECT_EQ(stats["clips"], 3);
  EXPECT_EQ(stats["duplicate_clips"], 2);

  // The shard, as webdataset reads it: KEY.mp4 and KEY.json per clip, in manifest order.
  std::string listing;
  ASSERT_EQ(test::run("/usr/bin/python3 -c \"import tarfile, json\n"
                      "t = tarfile.open('" + (out / "shards/00000.tar").string() + "')\n"
                      "for m in t.getmembers():\n"
                      "  data = t.extractfile(m).read()\n"
                      "  print(m.name, json.loads(data)['frames'] if m.name.endswith('.json') else data[4:8].decode())\"",
                      &listing),
            0)
      << listing;
  std::string want;
  for (const auto& m : manifest) {
    const std::string key = m["key"].get<std::string>();
    want += key + ".mp4 ftyp\n" + key + ".json " + std::to_string(m["frames"].get<int64_t>()) + "\n";
  }
  EXPECT_EQ(listing, want);
}

TEST(Curate, ShardsThenMergeGiveTheSameBytes) {
  const fs::path out = test::scratch_dir("curate_shards");
  for (int i = 0; i < 3; ++i) {
    const auto r = curate::curate({.inputs = raw_files(), .out_dir = out.string(), .shard_index = i, .shard_count = 3});
    EXPECT_FALSE(r.finished);
  }
  curate::finish(out.string(), {});
  EXPECT_EQ(outputs_of(out), outputs_of(reference_run()));
  EXPECT_THROW(curate::parse_shard("3/3"), InvalidArgument);
  EXPECT_THROW(curate::parse_shard("1"), InvalidArgument);
  EXPECT_EQ(curate::parse_shard("2/5"), std::make_pair(2, 5));
}

// --ae: each clip's latents ship beside it, as the run's LatentEncoder gives them.
TEST(Curate, AutoencoderLatentsShipBesideTheClips) {
  const std::string dir = test::scratch_dir("curate_ae");
  synth::SynthOptions s;
  s.out = dir + "/motion";
  s.per_class = 1;
  s.frames = 9;
  s.width = 16;
  s.height = 16;
  synth::synth_dataset(s);
  TrainConfig t;
  t.task = Task::Autoencode;
  t.data = s.out;
  t.autoencoder.channels = 8;
  t.autoencoder.max_channels = 8;
  t.autoencoder.width = 16;
  t.autoencoder.height = 16;
  t.epochs = 1;
  t.batch = 4;
  t.threads = 1;
  train(t, dir + "/ae");
  const fs::path out = fs::path(dir) / "out";
  curate::CurateConfig c;
  c.ae = dir + "/ae";
  const std::vector<std::string> inputs = {raw_folder() + "/a_two_shots.mp4", raw_folder() + "/b_life.mp4"};
  curate::curate({.inputs = inputs, .out_dir = out.string(), .config = c, .latents = &curation_latents});
  const auto manifest = lines_of(out / "manifest.jsonl");
  ASSERT_EQ(manifest.size(), 3u);
  const LatentEncoder encoder(dir + "/ae");
  for (const auto& m : manifest) {
    const std::string key = m["key"].get<std::string>();
    const Array z = io::load_npy((out / "work" / (key + ".latent.npy")).string());
    // Clips of 50 and 75 frames: 5 and 8 chunks of the run's 9 frames, each [16, 3, 2, 2].
    const int64_t frames = m["frames"].get<int64_t>();
    EXPECT_EQ(z.shape(), (std::vector<int64_t>{frames / 9, 16, 3, 2, 2})) << key;
    EXPECT_TRUE(at::equal(to_tensor(z), encoder.encode((out / "work" / (key + ".mp4")).string()))) << key;
  }
  std::string listing;
  ASSERT_EQ(test::run("tar tf '" + (out / "shards/00000.tar").string() + "'", &listing), 0);
  EXPECT_NE(listing.find(manifest[0]["key"].get<std::string>() + ".latent.npy"), std::string::npos) << listing;
  // Finishing with --ae needs every clip's latents: a set staged without them is refused.
  const fs::path plain = test::scratch_dir("curate_ae_plain");
  curate::curate({.inputs = inputs, .out_dir = plain.string()});
  const std::string msg = test::error_message<InvalidArgument>([&] { curate::finish(plain.string(), c); });
  EXPECT_NE(msg.find("has no latents"), std::string::npos) << msg;
  // The front end runs curation without LibTorch and hands a run naming "ae" in its config to
  // vidrep-torch: the same shards.
  const fs::path cli_out = test::scratch_dir("curate_ae_cli");
  std::ofstream(cli_out / "curate.json") << c.to_json();
  std::string log;
  ASSERT_EQ(test::run(test::cli() + " curate " + inputs[0] + " " + inputs[1] + " --out " + (cli_out / "out").string() +
                          " --config " + (cli_out / "curate.json").string(),
                      &log),
            0)
      << log;
  EXPECT_EQ(test::read_bytes(cli_out / "out/shards/00000.tar"), test::read_bytes(out / "shards/00000.tar"));
  // The library refuses latents without the encoder's factory.
  const std::string no_factory = test::error_message<InvalidArgument>(
      [&] { curate::curate({.inputs = inputs, .out_dir = (cli_out / "lib").string(), .config = c}); });
  EXPECT_NE(no_factory.find("LibTorch"), std::string::npos) << no_factory;
}

TEST(CurateCli, KilledAndContinuedGivesTheSameBytes) {
  const fs::path out = test::scratch_dir("curate_kill");
  const std::string cmd = test::cli() + " curate " + raw_folder() + " --out " + out.string() + " --threads 1";
  // Killed with SIGKILL three times: once the first, the third and the sixth work unit is done
  // (the next video is being staged then), then let finish.
  const std::string units = "$(ls " + (out / "work").string() + "/*.json 2>/dev/null | wc -l)";
  for (int k : {1, 3, 6}) {
    ASSERT_EQ(test::run(cmd + " > /dev/null 2>&1 & pid=$!; while [ " + units + " -lt " + std::to_string(k) +
                        " ] && kill -0 $pid 2>/dev/null; do sleep 0.005; done; kill -9 $pid; wait $pid; true"),
              0);
  }
  std::string log;
  ASSERT_EQ(test::run(cmd + " --json", &log), 0) << log;
  const auto r = nlohmann::json::parse(log.substr(log.find('{')));
  EXPECT_TRUE(r["finished"].get<bool>());
  EXPECT_EQ(outputs_of(out), outputs_of(reference_run()));
  // No temporary file is left among the outputs.
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    EXPECT_NE(e.path().filename().string().front(), '.') << e.path();
  }
}

TEST(CurateCli, BadConfigAndShardAreClearErrors) {
  const fs::path dir = test::scratch_dir("curate_bad");
  std::ofstream(dir / "c.json") << R"({"shard_clips": 0})";
  std::string out;
  EXPECT_EQ(test::run(test::cli() + " curate " + raw_folder() + " --out " + (dir / "o").string() + " --config " +
                          (dir / "c.json").string(),
                      &out),
            2);
  EXPECT_NE(out.find("shard_clips"), std::string::npos) << out;
  EXPECT_EQ(test::run(test::cli() + " curate " + raw_folder() + " --out " + (dir / "o").string() + " --shard 2/2", &out), 2);
  EXPECT_NE(out.find("--shard"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
