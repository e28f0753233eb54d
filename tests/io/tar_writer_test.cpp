// Tar shards: Python's tarfile (what webdataset uses) reads the members back byte for byte, the
// same members make the same archive, and names ustar cannot hold are refused.
#include "vidrep/io/tar_writer.h"

#include "vidrep/error.h"

#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vidrep {
namespace {

namespace fs = std::filesystem;

void write_shard(const std::string& path) {
  io::TarWriter tar(path);
  tar.add("clip-0001.mp4", std::string("\0\1\2binary\xff", 10));
  tar.add("clip-0001.json", R"({"frames": 48})");
  tar.add("clip-0002.mp4", std::string(1000, 'x'));  // more than one block
  tar.add("clip-0002.json", "");
  const std::string deep = std::string(120, 'd') + "/" + std::string(90, 'n') + ".json";  // needs the prefix field
  tar.add(deep, "{}");
  EXPECT_FALSE(fs::exists(path)) << "nothing under the name before close()";
  tar.close();
}

TEST(TarWriter, PythonTarfileReadsItAndTheBytesAreReproducible) {
  const std::string dir = test::scratch_dir("tar_writer");
  write_shard(dir + "/a.tar");
  write_shard(dir + "/b.tar");
  EXPECT_EQ(test::read_bytes(dir + "/a.tar"), test::read_bytes(dir + "/b.tar"));
  EXPECT_EQ(fs::file_size(dir + "/a.tar") % 512, 0u);
  std::string out;
  ASSERT_EQ(test::run("/usr/bin/python3 -c \"import tarfile\n"
                      "t = tarfile.open('" + dir + "/a.tar')\n"
                      "for m in t.getmembers(): print(m.name, m.size, m.isfile(), m.mtime, repr(t.extractfile(m).read()[:12]))\"",
                      &out),
            0)
      << out;
  EXPECT_EQ(out,
            "clip-0001.mp4 10 True 0 b'\\x00\\x01\\x02binary\\xff'\n"
            "clip-0001.json 14 True 0 b'{\"frames\": 4'\n"
            "clip-0002.mp4 1000 True 0 b'xxxxxxxxxxxx'\n"
            "clip-0002.json 0 True 0 b''\n" +
                std::string(120, 'd') + "/" + std::string(90, 'n') + ".json 2 True 0 b'{}'\n");
}

TEST(TarWriter, RefusesNamesUstarCannotHold) {
  const std::string dir = test::scratch_dir("tar_writer_bad");
  io::TarWriter tar(dir + "/bad.tar");
  EXPECT_THROW(tar.add("", "x"), InvalidArgument);
  EXPECT_THROW(tar.add(std::string(101, 'a'), "x"), InvalidArgument);  // no '/' to split at
  EXPECT_THROW(tar.add(std::string(10, 'a') + "/" + std::string(101, 'b'), "x"), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
