// Which files are videos, and the videos a command line names (files, folders, list files). Part of
// the I/O core.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vidrep {

// By extension, case-insensitively: .mp4, .mkv, .webm, .avi, .mov, .m4v, .mpg, .mpeg, .ts.
bool is_video_file(const std::filesystem::path& path);

// The video files named by command-line inputs, in order, each once: a video file as given; a
// folder: every video file under it (recursively, sorted); a list file (.txt or .lst): one path a
// line, relative ones against the list's folder, blank lines and '#' comments skipped. Any other
// file given directly is taken as a video too (reading it will say what it is). Throws OpenError
// for an input that does not exist.
std::vector<std::string> collect_videos(const std::vector<std::string>& inputs);

// The path made absolute with symlinks resolved as far as they exist (the path itself when that
// fails): the same file under any name, for comparing paths.
std::string resolved_path(const std::string& path);

}  // namespace vidrep
