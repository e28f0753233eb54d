// A vidrep process killed at any moment (kill -9), or stopped by a full disk, leaves no partial
// output under a real name; the next run cleans what the killed one left and finishes as an
// uninterrupted run would. Nothing a run folder holds (a planted symlink) redirects a write.
#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

extern char** environ;

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A vidrep command running in the background, killed with SIGKILL when `ready` first holds (or
// after `limit`, whichever comes first). Returns whether it was still running when killed.
bool kill_when(const std::vector<std::string>& args, const std::function<bool()>& ready,
               std::chrono::milliseconds limit = 60s) {
  std::vector<std::string> argv_strings = {test::cli()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv_strings[0]);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool running = true;
  while (std::chrono::steady_clock::now() < deadline && !ready()) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      running = false;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  if (running) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  return running;
}

// Hidden temporary names vidrep left in `dir` (".name.tmpPID-N.ext", ".name.synth-PID").
std::vector<std::string> leftovers(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name[0] == '.' && (name.find(".tmp") != std::string::npos || name.find(".synth-") != std::string::npos)) {
      names.push_back(name);
    }
  }
  return names;
}

bool exists_with_prefix(const std::string& dir, const std::string& prefix) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string source_video(int n) {
  return test::make_video(fmt::format("kill_src_{}.mp4", n),
                          fmt::format("-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v {} -pix_fmt yuv420p", n));
}

std::string frames_npy(const std::string& dir, int n) {
  const std::string video = source_video(n);
  const std::string npy = dir + "/frames.npy";
  std::string out;
  if (test::run(fmt::format("{} frames {} --range 0:{} --out {}", test::cli(), video, n, npy), &out) != 0) {
    throw std::runtime_error(out);
  }
  return npy;
}

TEST(Kill, SynthKilledLeavesNoDatasetAndTheNextRunCleansUp) {
  const std::string dir = test::scratch_dir("kill_synth");
  const std::string out = dir + "/motion";
  EXPECT_TRUE(kill_when({"synth", "--kind", "motion", "--per-class", "6", "--threads", "1", "--out", out},
                        [&] { return exists_with_prefix(dir, ".motion.synth-") && (std::this_thread::sleep_for(300ms), true); }));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(leftovers(dir).empty());  // the killed run's folder, until the next run
  std::string log;
  ASSERT_EQ(test::run(fmt::format("{} synth --kind motion --per-class 1 --out {}", test::cli(), out), &log), 0) << log;
  EXPECT_TRUE(fs::is_regular_file(out + "/train.txt"));
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];
}

TEST(Kill, EncodeKilledLeavesNoFileAndTheNextWriteCleansUp) {
  const std::string dir = test::scratch_dir("kill_encode");
  const std::string npy = frames_npy(dir, 250);
  const std::string out = dir + "/video.mp4";
  // Killed once its output file exists, while frames are being encoded (lossless, so it takes a while).
  EXPECT_TRUE(kill_when({"encode", npy, "--fps", "25", "--crf", "0", "--out", out},
                        [&] { return exists_with_prefix(dir, ".video.tmp"); }));
  EXPECT_FALSE(fs::exists(out));
  std::string log;
  ASSERT_EQ(test::run(fmt::format("{} encode {} --fps 25 --out {}", test::cli(), npy, out), &log), 0) << log;
  EXPECT_TRUE(fs::is_regular_file(out));
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];
}

TEST(Kill, FeaturesKilledLeaveNoFile) {
  const std::string dir = test::scratch_dir("kill_features");
  const std::string video = test::make_video("kill_features.mp4", "-f lavfi -i testsrc2=size=640x360:rate=25 -t 20 -pix_fmt yuv420p");
  const std::string out = dir + "/f.npy";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(kill_when({"features", video, "--kinds", "all", "--threads", "1", "--out", out},
                        [&] { return std::chrono::steady_clock::now() - start > 700ms; }));
  EXPECT_FALSE(fs::exists(out));
  std::string log;
  ASSERT_EQ(test::run(fmt::format("{} features {} --kinds color_hist --out {}", test::cli(), video, out), &log), 0) << log;
  EXPECT_TRUE(leftovers(dir).empty());
}

// The tiny labelled dataset the training kills run on.
const std::string& kill_dataset() {
  static const std::string dir = [] {
    const std::string d = test::scratch_dir("kill_data") + "/motion";
    std::string log;
    if (test::run(fmt::format("{} synth --kind motion --per-class 4 --frames 8 --out {}", test::cli(), d), &log) != 0) {
      throw std::runtime_error(log);
    }
    return d;
  }();
  return dir;
}

// Trains twice with the same arguments: straight through, and killed twice (before its first
// checkpoint and after one) with a resume after each. Both end with the same per-epoch losses and
// the same final weights.
void expect_kill_then_resume_matches(const std::vector<std::string>& command, const std::string& name) {
  const std::string dir = test::scratch_dir(name);
  const auto with_out = [&](const std::string& run) {
    std::vector<std::string> a = command;
    a.insert(a.end(), {"--out", run});
    return a;
  };
  std::string joined;
  for (const std::string& a : with_out(dir + "/straight")) joined += " " + a;
  std::string log;
  ASSERT_EQ(test::run(test::cli() + joined, &log), 0) << log;
  const std::string run = dir + "/killed";
  std::vector<std::string> resume = {command[0]};
  if (command[0] == "ae") resume.push_back("train");
  resume.insert(resume.end(), {"--resume", run});
  // Killed before its first checkpoint, resumed, killed again after one, resumed to the end.
  ASSERT_TRUE(kill_when(with_out(run), [&] { return fs::exists(run + "/config.json"); }, 300s));
  ASSERT_TRUE(kill_when(resume, [&] { return fs::exists(run + "/last.pt"); }, 300s));
  std::string resume_cmd = test::cli();
  for (const std::string& a : resume) resume_cmd += " " + a;
  ASSERT_EQ(test::run(resume_cmd, &log), 0) << log;
  std::ifstream a(dir + "/straight/metrics.jsonl"), b(run + "/metrics.jsonl");
  std::string la, lb;
  int epochs = 0;
  while (std::getline(a, la)) {
    ASSERT_TRUE(std::getline(b, lb)) << "the resumed run has fewer epochs";
    const auto ja = nlohmann::json::parse(la), jb = nlohmann::json::parse(lb);
    EXPECT_EQ(ja["train_loss"], jb["train_loss"]) << "epoch " << epochs + 1;
    ++epochs;
  }
  EXPECT_GE(epochs, 2);
  // The same final weights: evaluation gives the same figures to the last digit. (Checkpoint bytes
  // differ: LibTorch orders optimizer state by memory address.)
  const std::string eval = command[0] == "ae" ? " ae eval --json --run " : " eval --json --run ";
  std::string straight_eval, resumed_eval;
  ASSERT_EQ(test::run(test::cli() + eval + dir + "/straight", &straight_eval), 0) << straight_eval;
  ASSERT_EQ(test::run(test::cli() + eval + run, &resumed_eval), 0) << resumed_eval;
  EXPECT_EQ(straight_eval, resumed_eval);
  EXPECT_TRUE(leftovers(run).empty()) << leftovers(run)[0];
}

TEST(Kill, TrainKilledTwiceResumesToTheSameRun) {
  expect_kill_then_resume_matches({"train", "--data", kill_dataset(), "--model", "c3d", "--clip-len", "8", "--epochs", "3",
                                   "--batch", "8", "--threads", "2", "--seed", "3"},
                                  "kill_train");
}

TEST(Kill, AutoencoderTrainKilledTwiceResumesToTheSameRun) {
  expect_kill_then_resume_matches({"ae", "train", "--data", kill_dataset(), "--epochs", "3", "--batch", "4", "--channels", "8",
                                   "--max-channels", "16", "--threads", "2", "--seed", "3"},
                                  "kill_ae_train");
}

// A write the file system refuses (here a file-size limit, as a full disk would) is a clear error
// naming the output, with nothing left behind.
TEST(DiskFull, WritesFailCleanly) {
  const std::string dir = test::scratch_dir("disk_full");
  const std::string npy = frames_npy(dir, 100);  // 23 MB of frames
  for (const std::string& command :
       {fmt::format("encode {} --fps 25 --crf 0 --out {}/video.mp4", npy, dir),
        fmt::format("frames {} --range 0:100 --out {}/copy.npy", source_video(100), dir)}) {
    std::string log;
    const int status = test::run(fmt::format("bash -c 'ulimit -f 200; exec {} {}'", test::cli(), command), &log);
    EXPECT_EQ(status, 2) << command << "\n" << log;
    EXPECT_NE(log.find(dir), std::string::npos) << log;
  }
  EXPECT_FALSE(fs::exists(dir + "/video.mp4"));
  EXPECT_FALSE(fs::exists(dir + "/copy.npy"));
  EXPECT_TRUE(leftovers(dir).empty()) << leftovers(dir)[0];
}

// Symlinks planted in a run folder (at its metrics and best checkpoint) redirect no write: the
// resumed run writes its own files in their place, and what they pointed to is untouched.
TEST(RunFolder, PlantedSymlinksRedirectNoWrite) {
  const std::string dir = test::scratch_dir("symlink_run");
  const std::string run = dir + "/run";
  ASSERT_TRUE(kill_when({"train", "--data", kill_dataset(), "--model", "c3d", "--clip-len", "8", "--epochs", "3", "--batch", "8",
                         "--threads", "2", "--out", run},
                        [&] { return fs::exists(run + "/last.pt"); }, 300s));
  for (const char* name : {"metrics.jsonl", "best.pt"}) {
    const std::string victim = dir + "/victim-" + name;
    std::ofstream(victim) << "keep me\n";
    fs::remove(run + "/" + name);
    fs::create_symlink(victim, run + "/" + name);
  }
  std::string log;
  ASSERT_EQ(test::run(fmt::format("{} train --resume {}", test::cli(), run), &log), 0) << log;
  for (const char* name : {"metrics.jsonl", "best.pt"}) {
    std::ifstream v(dir + "/victim-" + name);
    std::string text;
    std::getline(v, text);
    EXPECT_EQ(text, "keep me") << name;
  }
  EXPECT_FALSE(fs::is_symlink(run + "/metrics.jsonl"));
}

}  // namespace
}  // namespace vidrep
