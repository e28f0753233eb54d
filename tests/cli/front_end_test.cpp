// The CLI's front end (cli/main.cpp): the I/O commands run in a process that never loads
// LibTorch, everything else is handed to vidrep-torch beside it with the same arguments and exit
// status. Not run under ASan (vidrep-asan is the same front end, sanitized: these tests would
// only check the split a second time).
#include "support/codec_fixtures.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace vidrep {
namespace {

namespace fs = std::filesystem;
using test::cli;
using test::run;

// What the dynamic loader says it loads while `args` runs (and the command's own output).
std::string loaded_libraries(const std::string& args, int* status) {
  std::string out;
  *status = run("LD_DEBUG=libs " + cli() + " " + args, &out);
  return out;
}

TEST(FrontEnd, IoCommandsRunWithoutLibTorch) {
  const std::string video = test::codec_fixture("h264_bframes");
  const std::string dir = test::scratch_dir("front_end");
  for (const std::string& args : {"probe '" + video + "'", "frames '" + video + "' --indices 3,1 --out " + dir + "/f.npy",
                                  "clips '" + video + "' --clips 2 --length 4 --out " + dir + "/c.npy",
                                  "tokens '" + video + "' --patch 2x8x8 --frames 4 --out " + dir + "/t.npz",
                                  "features '" + video + "' --short-side 32 --stpp 1,2 --clip-len 4 --json --out " + dir +
                                      "/features.npy",
                                  "embed '" + video + "' --out " + dir + "/e.npz",
                                  std::string("features --help"), std::string("--version")}) {
    int status = -1;
    const std::string out = loaded_libraries(args, &status);
    EXPECT_EQ(status, 0) << args << "\n" << out.substr(0, 2000);
    EXPECT_EQ(out.find("libtorch_cpu"), std::string::npos) << args;
  }
  // Transforms compute with LibTorch: handed over, with the same result format.
  int status = -1;
  const std::string out = loaded_libraries("clips '" + video + "' --clips 1 --length 2 --transform resize_short=32 --json --out " +
                                               dir + "/t.npy",
                                           &status);
  EXPECT_EQ(status, 0) << out.substr(0, 2000);
  EXPECT_NE(out.find("libtorch_cpu"), std::string::npos);
  EXPECT_NE(out.find("\"dtype\":\"uint8\""), std::string::npos);
  // So do the networks of embed's run: and ae: methods (this run does not exist: vidrep-torch says so).
  const std::string net = loaded_libraries("embed '" + video + "' --method run:" + dir + "/no_run --out " + dir + "/r.npz",
                                           &status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(net.find("libtorch_cpu"), std::string::npos);
  EXPECT_NE(net.find("not a vidrep run"), std::string::npos) << net.substr(net.size() > 2000 ? net.size() - 2000 : 0);
}

TEST(FrontEnd, HandsOverWithArgumentsAndExitStatus) {
  std::string out;
  EXPECT_EQ(run(cli() + " --help", &out), 0);
  for (const char* command : {"probe", "clips", "features", "train", "ae"}) EXPECT_NE(out.find(command), std::string::npos);
  // A bad option of a handed-over command: vidrep-torch's parse error and status.
  EXPECT_EQ(run(cli() + " predict --run some_run some.mp4 --no-such-flag", &out), 2);
  EXPECT_NE(out.find("--no-such-flag"), std::string::npos) << out;
  EXPECT_EQ(run(cli() + " no-such-command", &out), 2);

  // Without vidrep-torch beside it, the I/O commands still run and the others say what is missing.
  const std::string dir = test::scratch_dir("front_end_alone");
  fs::copy_file(cli(), dir + "/vidrep", fs::copy_options::overwrite_existing);
  EXPECT_EQ(run(dir + "/vidrep probe '" + test::codec_fixture("vp9") + "'", &out), 0) << out;
  EXPECT_EQ(run(dir + "/vidrep train --help", &out), 1);
  EXPECT_NE(out.find("cannot run " + dir + "/vidrep-torch"), std::string::npos) << out;
}

}  // namespace
}  // namespace vidrep
