#include "vidrep/retrieval/embedder.h"

#include "vidrep/apps/clip_embedding.h"
#include "vidrep/io/video_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vidrep::retrieval {

namespace {

// A network applied to a clip from each window: the net's frame count spread evenly over the
// window (a frame may repeat when the window holds fewer), a few windows read in one sorted request.
class ClipDescriptors : public DescriptorExtractor {
 public:
  explicit ClipDescriptors(const EmbedConfig& config)
      : config_(config),
        net_(load_clip_embedding(config.run_dir, config.method == EmbedMethod::Autoencoder, config.threads)) {}

  const EmbedConfig& config() const override { return config_; }
  int64_t dim() const override { return net_->dim(); }

  VideoDescriptors embed(const std::string& path) const override {
    const ClipEmbedding& net = *net_;
    VideoReader reader(path, {.width = net.width(), .height = net.height(), .threads = config_.threads});
    VideoDescriptors out;
    out.path = path;
    out.duration = reader.duration();
    const double window = 1.0 / config_.per_second;
    const auto windows = static_cast<int64_t>(std::max(1.0, std::ceil(out.duration / window - 1e-9)));
    constexpr int64_t kWindowsPerRead = 8;
    std::vector<float> rows;
    for (int64_t first = 0; first < windows; first += kWindowsPerRead) {
      const int64_t last = std::min(windows, first + kWindowsPerRead);
      std::vector<double> times;
      for (int64_t w = first; w < last; ++w) {
        const double t0 = static_cast<double>(w) * window, t1 = std::min(out.duration, t0 + window);
        for (int64_t f = 0; f < net.frames(); ++f) {
          times.push_back(t0 + (t1 - t0) * (static_cast<double>(f) + 0.5) / static_cast<double>(net.frames()));
        }
      }
      const Array frames = reader.read_frames_at(times);
      const Array d = net.embed(frames.reshaped({last - first, net.frames(), frames.size(1), frames.size(2), 3}));
      rows.insert(rows.end(), d.data<float>(), d.data<float>() + d.numel());
      for (int64_t w = first; w < last; ++w) {
        out.start.push_back(static_cast<double>(w) * window);
        out.end.push_back(std::min(out.duration, static_cast<double>(w + 1) * window));
      }
    }
    out.features = Array(DType::Float32, {windows, net.dim()});
    std::memcpy(out.features.data<float>(), rows.data(), rows.size() * sizeof(float));
    return out;
  }

 private:
  EmbedConfig config_;
  std::unique_ptr<ClipEmbedding> net_;
};

}  // namespace

std::unique_ptr<DescriptorExtractor> make_embedder(const EmbedConfig& config) {
  if (config.method == EmbedMethod::Features) return make_feature_extractor(config);
  return std::make_unique<ClipDescriptors>(config);
}

}  // namespace vidrep::retrieval
