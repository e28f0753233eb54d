// `vidrep train --config` and `vidrep ae train --config`: the flags a user gives win over the file
// even at their default values, the rest come from the file, then from the task's defaults
// (shown with --print-config, which trains nothing).
#include "support/fixtures.h"
#include "vidrep/train/config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace vidrep {
namespace {

using test::cli;
using test::run;

nlohmann::json print_config(const std::string& args) {
  std::string out;
  EXPECT_EQ(run(cli() + " " + args + " --print-config", &out), 0) << out;
  return nlohmann::json::parse(out);
}

TEST(TrainConfigCli, FlagsGivenOverrideTheFile) {
  const std::string dir = test::scratch_dir("cli_train_config");
  std::ofstream(dir + "/c.json") << R"({"lr": 0.1, "batch": 4, "model": {"arch": "c3d"}})";
  const nlohmann::json defaults = print_config("train");
  EXPECT_EQ(defaults["preprocess"], "normalize=0.45:0.225");  // the run records its normalisation
  EXPECT_EQ(print_config("train --preprocess ''")["preprocess"], "");
  const nlohmann::json file_only = print_config("train --config " + dir + "/c.json");
  EXPECT_EQ(file_only["lr"], 0.1);
  EXPECT_EQ(file_only["batch"], 4);
  EXPECT_EQ(file_only["model"]["arch"], "c3d");
  // --lr given at its default value still beats the file; --size sets the model's frame size.
  const nlohmann::json both = print_config("train --config " + dir + "/c.json --lr " + defaults["lr"].dump() +
                                           " --size 48x40 --model vit");
  EXPECT_EQ(both["lr"], defaults["lr"]);
  EXPECT_EQ(both["batch"], 4);
  EXPECT_EQ(both["model"]["arch"], "vit");
  EXPECT_EQ(both["model"]["width"], 48);
  EXPECT_EQ(both["model"]["height"], 40);
}

TEST(TrainConfigCli, AeTrainTakesAConfigWithItsOwnDefaults) {
  const std::string dir = test::scratch_dir("cli_ae_config");
  std::ofstream(dir + "/ae.json") << R"({"epochs": 7, "autoencoder": {"latent_channels": 8}})";
  const nlohmann::json c = print_config("ae train --config " + dir + "/ae.json --compress 2x4x4");
  EXPECT_EQ(c["task"], "autoencode");
  EXPECT_EQ(c["epochs"], 7);
  // The autoencoder's own default, from the library (not the classifier's).
  EXPECT_EQ(c["lr"], default_train_config(Task::Autoencode).lr);
  EXPECT_NE(c["lr"], default_train_config(Task::Classify).lr);
  EXPECT_EQ(c["preprocess"], "");  // rgb / 255
  EXPECT_EQ(c["autoencoder"]["latent_channels"], 8);
  EXPECT_EQ(c["autoencoder"]["compress_t"], 2);
  EXPECT_EQ(c["autoencoder"]["compress_h"], 4);
  // A classifier's config is refused by name.
  std::ofstream(dir + "/cls.json") << R"({"task": "classify"})";
  std::string out;
  EXPECT_NE(run(cli() + " ae train --config " + dir + "/cls.json --print-config", &out), 0);
  EXPECT_NE(out.find("cls.json"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
