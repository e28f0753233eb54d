// Data-parallel training: the collectives and the bucketed gradient all-reduce between two Gloo
// ranks on threads of this process (one FileStore), then whole `vidrep train --nproc-per-node 2`
// runs: equal to one process with the same global batch, one writer, resume, BatchNorm statistics,
// a worker that dies or stops, and workers that disagree on the configuration.
#include "vidrep/data/synth_dataset.h"
#include "vidrep/error.h"
#include "vidrep/models/network.h"
#include "vidrep/train/checkpoint.h"
#include "vidrep/train/distributed.h"
#include "vidrep/train/gradient_reducer.h"
#include "vidrep/train/run.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <csignal>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "support/fixtures.h"

namespace vidrep {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Runs f(group) on `world` threads, each a rank of one group over a fresh FileStore; returns
// each rank's error ("" when none).
std::vector<std::string> on_ranks(int world, const std::string& name, const std::function<void(DistributedGroup&)>& f) {
  const std::string store = test::scratch_dir(name) + "/store";
  std::vector<std::string> errors(static_cast<size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      try {
        DistributedOptions o;
        o.rank = r;
        o.world = world;
        o.store_file = store;
        o.timeout_seconds = 30;
        DistributedGroup group(o);
        f(group);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

TEST(Distributed, CollectivesSumGatherAndBroadcast) {
  const auto errors = on_ranks(2, "dist_collectives", [](DistributedGroup& g) {
    const int r = g.rank();
    EXPECT_EQ(g.sum({r + 1.0, 10.0}, "test"), (std::vector<double>{3.0, 20.0}));
    // Rank 0 gives no rows, rank 1 three: the gather is rank 1's rows.
    const at::Tensor mine = torch::arange(3 * r * 2, torch::kFloat).reshape({3 * r, 2});
    EXPECT_TRUE(g.all_gather_rows(mine, "test").equal(torch::arange(6, torch::kFloat).reshape({3, 2})));
    const at::Tensor labels = torch::full({r + 1}, static_cast<int64_t>(r), torch::kLong);
    EXPECT_TRUE(g.all_gather_rows(labels, "test").equal(torch::tensor({0, 1, 1}, torch::kLong)));
    at::Tensor t = torch::full({4}, static_cast<float>(r + 7));
    g.broadcast(t, 1, "test");
    EXPECT_TRUE(t.equal(torch::full({4}, 8.0f)));
    g.require_same("configuration", "same\ntext\n");
  });
  EXPECT_EQ(errors, (std::vector<std::string>{"", ""}));
}

TEST(Distributed, DifferentConfigurationsAreRefusedOnEveryRank) {
  const auto errors = on_ranks(2, "dist_require_same", [](DistributedGroup& g) {
    g.require_same("configuration", g.rank() == 0 ? "a\n\"lr\": 0.01\n" : "a\n\"lr\": 0.02\n");
  });
  for (const auto& e : errors) {
    EXPECT_NE(e.find("rank 1's configuration differs from rank 0's"), std::string::npos) << e;
    EXPECT_NE(e.find("line 2"), std::string::npos) << e;
    EXPECT_NE(e.find("0.02"), std::string::npos) << e;
  }
}

TEST(Distributed, EnvironmentGivesTheWorkersPlace) {
  ::setenv("RANK", "1", 1);
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("LOCAL_RANK", "1", 1);
  ::setenv("LOCAL_WORLD_SIZE", "2", 1);
  ::setenv("MASTER_ADDR", "10.0.0.1", 1);
  ::setenv("MASTER_PORT", "29511", 1);
  const DistributedOptions o = distributed_from_environment();
  EXPECT_EQ(o.rank, 1);
  EXPECT_EQ(o.world, 4);
  EXPECT_EQ(o.local_world, 2);
  EXPECT_EQ(o.master_addr, "10.0.0.1");
  EXPECT_EQ(o.master_port, 29511);
  EXPECT_TRUE(o.active());
  ::setenv("RANK", "4", 1);
  EXPECT_NE(test::error_message<ConfigError>([] { distributed_from_environment(); }).find("RANK"), std::string::npos);
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(name);
  ::setenv("SLURM_PROCID", "2", 1);
  ::setenv("SLURM_NTASKS", "3", 1);
  EXPECT_FALSE(distributed_from_environment().active());  // an sbatch script's shell, not an srun task
  ::setenv("SLURM_STEP_NUM_TASKS", "3", 1);
  ::setenv("SLURM_LOCALID", "2", 1);
  ::setenv("SLURM_STEP_NUM_NODES", "1", 1);
  const DistributedOptions s = distributed_from_environment();
  EXPECT_EQ(s.rank, 2);
  EXPECT_EQ(s.world, 3);
  EXPECT_EQ(s.master_addr, "127.0.0.1");
  for (const char* name : {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID", "SLURM_STEP_NUM_NODES"}) ::unsetenv(name);
  EXPECT_FALSE(distributed_from_environment().active());
}

// Two ranks with unequal parts of a batch (4 and 6 rows), their gradients weighted and summed in
// several buckets, give the gradient of the whole batch's mean loss on both ranks.
TEST(Distributed, BucketedReduceGivesTheGlobalBatchGradient) {
  torch::manual_seed(1);
  auto make = [] {
    return torch::nn::Sequential(torch::nn::Linear(6, 40), torch::nn::ReLU(), torch::nn::Linear(40, 30),
                                 torch::nn::ReLU(), torch::nn::Linear(30, 3));
  };
  torch::nn::Sequential reference = make();
  std::vector<torch::nn::Sequential> ranks = {make(), make()};
  for (auto& m : ranks)
    for (size_t i = 0; i < m->parameters().size(); ++i) m->parameters()[i].data().copy_(reference->parameters()[i]);
  const at::Tensor x = torch::randn({10, 6});
  const at::Tensor y = torch::tensor({0, 1, 2, 0, 1, 2, 0, 1, 2, 2}, torch::kLong);
  torch::nn::functional::cross_entropy(reference->forward(x), y).backward();
  for (const bool overlap : {true, false}) {
    for (auto& m : ranks) m->zero_grad();
    const auto errors = on_ranks(2, "dist_reducer", [&](DistributedGroup& g) {
      torch::nn::Sequential& m = ranks[static_cast<size_t>(g.rank())];
      GradientReducer reducer(g, m->parameters(), 4000, 1000, overlap);
      EXPECT_GE(reducer.bucket_sizes().size(), 3u);
      const int64_t from = g.rank() == 0 ? 0 : 4, to = g.rank() == 0 ? 4 : 10;
      reducer.prepare(static_cast<double>(to - from));
      torch::nn::functional::cross_entropy(m->forward(x.slice(0, from, to)), y.slice(0, from, to)).backward();
      EXPECT_EQ(reducer.finish(), 10.0);
      // A second step in which rank 0 has no batch: rank 1's whole-batch gradient everywhere.
      m->zero_grad();
      reducer.prepare(g.rank() == 0 ? 0.0 : 10.0);
      if (g.rank() == 1) torch::nn::functional::cross_entropy(m->forward(x), y).backward();
      EXPECT_EQ(reducer.finish(), 10.0);
    });
    ASSERT_EQ(errors, (std::vector<std::string>{"", ""}));
    for (const auto& m : ranks)
      for (size_t i = 0; i < m->parameters().size(); ++i) {
        const at::Tensor want = reference->parameters()[i].grad();
        EXPECT_TRUE(torch::allclose(m->parameters()[i].grad(), want, 1e-5, 1e-7)) << "parameter " << i;
      }
  }
}

// --- whole processes -------------------------------------------------------------------------

// 8 classes x (6 train + 2 val + 2 test) videos of 8 frames.
const std::string& motion_set() {
  static const std::string dir = [] {
    const std::string d = test::scratch_dir("dist_motion") + "/motion";
    synth::SynthOptions s;
    s.out = d;
    s.per_class = 6;
    s.frames = 8;
    synth::synth_dataset(s);
    return d;
  }();
  return dir;
}

std::string train_command(const std::string& model, int epochs, const std::string& extra) {
  return fmt::format("{} train --data {} --model {} --clip-len 8 --size 32x32 --dropout 0 "
                     "--batch 8 --epochs {} --threads 1 --workers 1 --seed 5 --patience 0 {}",
                     test::cli(), motion_set(), model, epochs, extra);
}

std::pair<VideoNet, VideoNet> last_weights(const std::string& a, const std::string& b) {
  const RunInfo info = load_run_info(a);
  VideoNet na = make_network(info.config.model), nb = make_network(info.config.model);
  load_checkpoint(a + "/last.pt", *na, nullptr, nullptr);
  load_checkpoint(b + "/last.pt", *nb, nullptr, nullptr);
  return {na, nb};
}

double relative(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() / std::max(a.abs().max().item<double>(), 1e-12);
}

// The largest difference of any parameter between two runs' last.pt, relative to the
// parameter's largest magnitude.
double relative_difference(const std::string& a, const std::string& b) {
  const auto [na, nb] = last_weights(a, b);
  const auto pb = nb->named_parameters();
  double worst = 0;
  for (const auto& item : na->named_parameters()) worst = std::max(worst, relative(item.value(), pb[item.key()]));
  return worst;
}

std::vector<nlohmann::json> metrics(const std::string& run) {
  std::vector<nlohmann::json> out;
  std::ifstream in(run + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// A shell command started in the background (its own process), its output into `log`.
pid_t start(const std::string& command, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", fmt::format("exec {} > {} 2>&1", command, log).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits up to `seconds` for `pid`; its exit status (128 + signal), or -1 when it is still running.
int wait_for(pid_t pid, double seconds) {
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

bool wait_until(const std::function<bool()>& done, double seconds) {
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The pid of the process whose environment says RANK=`rank` and whose parent is `parent`.
pid_t child_with_rank(pid_t parent, int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) != 2 || ppid != parent) continue;
    const std::string env = test::read_bytes((entry.path() / "environ").string());
    if (env.find(fmt::format("RANK={}", rank) + '\0') == 0 || env.find('\0' + fmt::format("RANK={}", rank) + '\0') != std::string::npos)
      return std::stoi(name);
  }
  return -1;
}

// SGD: Adam's steps divide by the gradient's running RMS, so a parameter whose true gradient is
// zero (an attention key's bias) moves by +-lr on float rounding noise, in one process as in two.
TEST(DistributedCli, TwoWorkersEqualOneProcessWithTheSameGlobalBatchAndResume) {
  const std::string dir = test::scratch_dir("dist_equal");
  const std::string sgd = "--optimizer sgd --lr 0.05 ";
  std::string out;
  ASSERT_EQ(test::run(train_command("vit", 3, sgd + "--out " + dir + "/one --json"), &out), 0) << out;
  ASSERT_EQ(test::run(train_command("vit", 3, sgd + "--nproc-per-node 2 --out " + dir + "/two --json"), &out), 0) << out;
  // One summary line (rank 0's), one metrics line per epoch, written once.
  EXPECT_EQ(std::count(out.begin(), out.end(), '{'), 1) << out;
  const auto lines = metrics(dir + "/two");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["world_size"], 2);
  EXPECT_GE(lines[0]["allreduce_wait_seconds"].get<double>(), 0.0);
  EXPECT_LT(relative_difference(dir + "/one", dir + "/two"), 1e-5);
  EXPECT_FALSE(fs::exists(dir + "/two/rank1"));
  // Interrupted (Ctrl-C to the launcher, passed on once) after its first epoch, then resumed with
  // two workers: the same weights again.
  const pid_t launcher = start(train_command("vit", 3, sgd + "--nproc-per-node 2 --out " + dir + "/resumed"), dir + "/resumed.log");
  ASSERT_TRUE(wait_until([&] { return !metrics(dir + "/resumed").empty(); }, 120));
  ::kill(launcher, SIGINT);
  EXPECT_EQ(wait_for(launcher, 120), 0) << test::read_bytes(dir + "/resumed.log");
  EXPECT_NE(test::read_bytes(dir + "/resumed.log").find("interrupted"), std::string::npos) << test::read_bytes(dir + "/resumed.log");
  ASSERT_LT(metrics(dir + "/resumed").size(), 3u);
  ASSERT_EQ(test::run(fmt::format("{} train --resume {}/resumed --nproc-per-node 2", test::cli(), dir), &out), 0) << out;
  EXPECT_EQ(metrics(dir + "/resumed").size(), 3u);
  EXPECT_LT(relative_difference(dir + "/one", dir + "/resumed"), 1e-5);
}

// BatchNorm normalises with each rank's part; the running statistics are averaged over the ranks,
// so at a negligible rate the first layer's running mean is the one-process run's.
TEST(DistributedCli, BatchNormRunningMeansAreAveragedOverTheRanks) {
  const std::string dir = test::scratch_dir("dist_batchnorm");
  std::string out;
  const std::string slow = "--lr 1e-9 --warmup 0 --transform ''";
  ASSERT_EQ(test::run(train_command("c3d", 1, slow + " --out " + dir + "/one"), &out), 0) << out;
  ASSERT_EQ(test::run(train_command("c3d", 1, slow + " --nproc-per-node 2 --out " + dir + "/two"), &out), 0) << out;
  const auto [na, nb] = last_weights(dir + "/one", dir + "/two");
  const auto bb = nb->named_buffers();
  for (const auto& item : na->named_buffers()) {
    if (item.key().find("running_mean") == std::string::npos) continue;
    EXPECT_GT(item.value().abs().max().item<double>(), 0) << item.key();
    EXPECT_LT(relative(item.value(), bb[item.key()]), 1e-4) << item.key();
    break;  // the first layer's: the later ones see inputs normalised by each rank's part
  }
}

TEST(DistributedCli, AWorkerThatDiesStopsTheRunAndIsNamed) {
  const std::string dir = test::scratch_dir("dist_dies");
  const pid_t launcher = start(train_command("vit", 200, "--nproc-per-node 2 --out " + dir + "/run"), dir + "/log");
  ASSERT_TRUE(wait_until([&] { return !metrics(dir + "/run").empty(); }, 120));
  const pid_t victim = child_with_rank(launcher, 1);
  ASSERT_GT(victim, 0);
  ::kill(victim, SIGKILL);
  const int status = wait_for(launcher, 60);
  if (status < 0) ::kill(launcher, SIGKILL);
  EXPECT_NE(status, 0);
  const std::string log = test::read_bytes(dir + "/log");
  EXPECT_NE(log.find(fmt::format("rank 1 (pid {}) was killed by signal 9", victim)), std::string::npos) << log;
}

// Workers started by hand (torchrun's variables): one stopped with SIGSTOP is named by the other
// within the timeout.
TEST(DistributedCli, AStoppedWorkerIsNamedWithinTheTimeout) {
  const std::string dir = test::scratch_dir("dist_stopped");
  std::vector<pid_t> workers;
  for (int rank = 0; rank < 2; ++rank)
    workers.push_back(start(fmt::format("env RANK={} WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 VIDREP_STORE_FILE={}/store {}", rank,
                                        dir, train_command("vit", 200, "--dist-timeout 6 --out " + dir + "/run")),
                            fmt::format("{}/log{}", dir, rank)));
  ASSERT_TRUE(wait_until([&] { return !metrics(dir + "/run").empty(); }, 120));
  ::kill(workers[1], SIGSTOP);
  const auto stopped = Clock::now();
  const int status = wait_for(workers[0], 60);
  const double seconds = std::chrono::duration<double>(Clock::now() - stopped).count();
  for (pid_t w : workers) ::kill(w, SIGKILL);
  wait_for(workers[1], 10);
  EXPECT_EQ(status, 2);
  EXPECT_LT(seconds, 30);
  const std::string log = test::read_bytes(dir + "/log0");
  EXPECT_TRUE(log.find("rank 1 has not answered") != std::string::npos ||
              log.find("rank 1 stopped answering") != std::string::npos) << log;
}

TEST(DistributedCli, WorkersThatDisagreeOnTheConfigurationAreRefused) {
  const std::string dir = test::scratch_dir("dist_mismatch");
  std::vector<pid_t> workers;
  for (int rank = 0; rank < 2; ++rank)
    workers.push_back(start(fmt::format("env RANK={} WORLD_SIZE=2 VIDREP_STORE_FILE={}/store {}", rank, dir,
                                        train_command("vit", 2, fmt::format("--lr 0.00{} --out {}/run", rank + 1, dir))),
                            fmt::format("{}/log{}", dir, rank)));
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(wait_for(workers[static_cast<size_t>(rank)], 120), 2);
    const std::string log = test::read_bytes(fmt::format("{}/log{}", dir, rank));
    EXPECT_NE(log.find("rank 1's configuration differs from rank 0's"), std::string::npos) << log;
  }
  EXPECT_FALSE(fs::exists(dir + "/run/last.pt"));
}

}  // namespace
}  // namespace vidrep
