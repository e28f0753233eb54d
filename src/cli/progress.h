// A one-line progress bar on stderr for long commands: redrawn in place on a terminal, silent
// otherwise (logs and pipes get the per-epoch lines the commands print instead).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace vidrep::cli {

class ProgressBar {
 public:
  ProgressBar();
  ~ProgressBar();  // clears the line
  // fraction in [0,1]; `text` follows the bar ("epoch 3/30  loss 0.412  acc 87.5 %  ...").
  void update(double fraction, const std::string& text);
  // Clears the bar so that a normal line can be printed.
  void clear();

 private:
  bool enabled_;
  bool shown_ = false;
};

// "1:05" / "1:02:03"
std::string format_duration(double seconds);

// Runs `work` on each video under a progress bar ("VERB i/N  PATH") and prints what it returns
// (its result lines, "" for none) on stdout. A vidrep::Error from it is reported, as a JSON line
// {path, error} on stdout when `json`, else "vidrep: skipped REASON" on stderr, and the other
// videos go on. Returns whether any failed.
bool for_each_video(const std::vector<std::string>& videos, const std::string& verb, bool json,
                    const std::function<std::string(const std::string&)>& work);

}  // namespace vidrep::cli
