// The codec matrix every reader test runs over: small videos made by the ffmpeg CLI covering the
// codecs, containers and quirks vidrep promises to read exactly.
#pragma once

#include <string>
#include <vector>

namespace vidrep::test {

// Names of the matrix's fixtures (test-name friendly, e.g. "h264_bframes").
std::vector<std::string> codec_fixture_names();
// Path of one fixture, generated on first use.
std::string codec_fixture(const std::string& name);

}  // namespace vidrep::test
