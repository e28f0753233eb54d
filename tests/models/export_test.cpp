// export_network(): the files it writes, and Python's reading of them. For each architecture (and
// the fusions, the LSTM, sinusoidal positions and STPP pooling), a network with trained-looking
// batch-norm statistics is exported with its eval-mode outputs on a random input; Debian's
// /usr/bin/python3 then rebuilds it from python/vidrep/models.py, loads weights.pt with torch.load
// and load_state_dict(strict=True), and must reproduce logits and embedding within 1e-4.
#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/models/autoencoder.h"
#include "vidrep/models/network.h"
#include "vidrep/tensor.h"
#include "vidrep/train/run.h"

#include "support/fixtures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

const char* const kPython = "/usr/bin/python3";

// This file's folder, tests/models/. Ninja names sources relative to the build folder, which is
// the parent of VIDREP_TEST_FIXTURES.
fs::path tests_models_dir() {
  fs::path file(__FILE__);
  if (file.is_relative()) file = fs::path(VIDREP_TEST_FIXTURES).parent_path() / file;
  return fs::weakly_canonical(file).parent_path();
}

struct Case {
  std::string name;
  ModelConfig config;
};

std::vector<Case> cases() {
  auto make = [](std::string arch, std::string modality, std::string fusion) {
    ModelConfig c;
    c.arch = std::move(arch);
    c.modality = std::move(modality);
    c.fusion = std::move(fusion);
    c.num_classes = 6;
    c.mel_frames = 30;
    return c;
  };
  std::vector<Case> out = {{"frame2d", make("frame2d", "video", "concat")},
                           {"cnn_lstm", make("cnn_lstm", "video", "concat")},
                           {"c3d", make("c3d", "video", "concat")},
                           {"vit", make("vit", "video", "concat")},
                           {"audio_lstm", make("c3d", "audio", "concat")},
                           {"c3d_av_concat", make("c3d", "av", "concat")},
                           {"frame2d_av_mean", make("frame2d", "av", "mean")},
                           {"cnn_lstm_av_gated", make("cnn_lstm", "av", "gated")},
                           {"vit_av_attention", make("vit", "av", "attention")},
                           {"vit_stpp_sinusoidal", make("vit", "video", "concat")}};
  out[1].config.rnn = "lstm";
  out[4].config.rnn = "lstm";
  out[7].config.frame_diff = false;
  out[9].config.pooling = "stpp";
  out[9].config.positions = "sinusoidal";
  return out;
}

bool python_has_torch() {
  return test::run(fmt::format("{} -c 'import torch, numpy'", kPython)) == 0;
}

TEST(ExportNetwork, WritesWeightsAndConfigAndNoTemporaryFiles) {
  ModelConfig c;
  c.arch = "cnn_lstm";
  c.num_classes = 3;
  torch::manual_seed(0);
  VideoNet net = make_network(c);
  const fs::path dir = fs::path(test::scratch_dir("export_files")) / "nested" / "out";
  export_network(net, dir.string());  // creates the folder
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"model.json", "weights.pt"}));
  std::ifstream json_file(dir / "model.json");
  const ModelConfig back = nlohmann::json::parse(json_file).get<ModelConfig>();
  EXPECT_EQ(nlohmann::json(back), nlohmann::json(c));

  // The pickle holds every parameter and buffer under its state-dict name.
  std::ifstream weights_file(dir / "weights.pt", std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(weights_file)), std::istreambuf_iterator<char>());
  const c10::Dict<c10::IValue, c10::IValue> state = torch::pickle_load(bytes).toGenericDict();
  EXPECT_EQ(state.size(), net->named_parameters().size() + net->named_buffers().size());
  for (const auto& p : net->named_parameters())
    EXPECT_TRUE(at::equal(state.at(p.key()).toTensor(), p.value())) << p.key();

  // Exporting onto a path that is a file fails with a WriteError naming it.
  const fs::path file = fs::path(test::scratch_dir("export_files")) / "a_file";
  std::ofstream(file) << "x";
  EXPECT_THROW(export_network(net, file.string()), WriteError);
}

TEST(ExportNetwork, PythonReferenceModelsReproduceTheOutputs) {
  if (!python_has_torch()) GTEST_SKIP() << kPython << " cannot import torch and numpy";
  const std::string root = test::scratch_dir("export_python");
  std::string dirs;
  for (const Case& k : cases()) {
    const ModelConfig& c = k.config;
    torch::manual_seed(42);
    VideoNet net = make_network(c);
    const bool video = c.modality != "audio", audio = c.modality != "video";
    auto input = [&](int64_t batch) {
      return std::pair{video ? torch::randn({batch, 3, c.frames, c.height, c.width}) : at::Tensor(),
                       audio ? torch::randn({batch, c.mel_frames, c.mel_bins}) * 2 + 1 : at::Tensor()};
    };
    {
      // Training-mode passes move the batch-norm statistics away from their 0/1 start, so the
      // export must carry the buffers right for the outputs to match.
      torch::NoGradGuard no_grad;
      for (int i = 0; i < 2; ++i) {
        auto [v, a] = input(4);
        net->forward(v, a);
      }
    }
    net->eval();
    const auto [v, a] = input(3);
    NetOutput out;
    {
      torch::NoGradGuard no_grad;
      out = net->forward(v, a);
    }
    const fs::path dir = fs::path(root) / k.name;
    export_network(net, dir.string());
    if (video) io::save_npy((dir / "video.npy").string(), to_array(v));
    if (audio) io::save_npy((dir / "audio.npy").string(), to_array(a));
    io::save_npy((dir / "logits.npy").string(), to_array(out.logits));
    io::save_npy((dir / "embedding.npy").string(), to_array(out.embedding));
    dirs += " '" + dir.string() + "'";
  }
  std::string output;
  const fs::path here = tests_models_dir();
  const fs::path python_dir = VIDREP_PYTHON_DIR;
  ASSERT_TRUE(fs::exists(python_dir / "vidrep" / "models.py")) << python_dir;
  const int status = test::run(
      fmt::format("{} '{}' '{}'{}", kPython, (here / "export_check.py").string(), python_dir.string(), dirs), &output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("ok vit_av_attention"), std::string::npos) << output;
}

// The autoencoder's export: its encode and decode in Python (python/vidrep/models.py) match the
// C++ ones. The weights are moved off their zero start so that every conv counts; the second case
// covers a VAE, per-axis compression, no pixel fold and channel counts that do not divide.
TEST(ExportNetwork, PythonReferenceAutoencoderReproducesEncodeAndDecode) {
  if (!python_has_torch()) GTEST_SKIP() << kPython << " cannot import torch and numpy";
  AutoencoderConfig small;
  small.channels = 8;
  small.max_channels = 16;
  AutoencoderConfig odd;
  odd.compress_t = 2;
  odd.compress_h = 4;
  odd.compress_w = 8;
  odd.patch = 1;
  odd.channels = 6;
  odd.max_channels = 20;
  odd.latent_channels = 8;
  odd.res_blocks = 2;
  odd.kl_weight = 0.1;
  const std::string root = test::scratch_dir("export_python_ae");
  std::string dirs;
  for (const auto& [name, c] : {std::pair{"ae_default_layout", small}, std::pair{"ae_vae_odd", odd}}) {
    torch::manual_seed(7);
    Autoencoder ae = make_autoencoder(c);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : ae->parameters()) p.add_(torch::randn_like(p) * 0.1);
    }
    ae->eval();
    const at::Tensor video = torch::rand({2, 3, 9, 16, 32});
    at::Tensor latent, reconstruction;
    {
      torch::NoGradGuard no_grad;
      latent = ae->encode(video);
      reconstruction = ae->decode(latent);
    }
    const fs::path dir = fs::path(root) / name;
    export_autoencoder(ae, dir.string());
    EXPECT_TRUE(fs::exists(dir / "autoencoder.json"));
    EXPECT_FALSE(fs::exists(dir / "model.json"));
    io::save_npy((dir / "video.npy").string(), to_array(video));
    io::save_npy((dir / "latent.npy").string(), to_array(latent));
    io::save_npy((dir / "reconstruction.npy").string(), to_array(reconstruction));
    dirs += " '" + dir.string() + "'";
  }
  std::string output;
  const fs::path here = tests_models_dir();
  const fs::path python_dir = VIDREP_PYTHON_DIR;
  const int status = test::run(
      fmt::format("{} '{}' '{}'{}", kPython, (here / "export_check.py").string(), python_dir.string(), dirs), &output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("ok ae_vae_odd"), std::string::npos) << output;
}

}  // namespace
}  // namespace vidrep
