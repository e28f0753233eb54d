#include "vidrep/retrieval/video_index.h"

#include "vidrep/retrieval/embedder.h"

#include "vidrep/error.h"
#include "vidrep/io/npy_format.h"
#include "vidrep/io/npz.h"
#include "vidrep/io/output_file.h"
#include "vidrep/tensor.h"
#include "vidrep/video_files.h"

#include <ATen/ATen.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sys/stat.h>

namespace vidrep::retrieval {

namespace fs = std::filesystem;
using idx_t = faiss::Index::idx_t;

namespace {

constexpr int64_t kIvfPqMinRows = 256;  // one training row per code value at least
constexpr const char* kCurrent = "CURRENT";

// The largest of 8, 4, 2, 1 dividing d: product-quantiser sub-vectors of 8 dimensions or fewer.
int pq_subvectors(int64_t d) {
  for (int width : {8, 4, 2, 1}) {
    if (d % width == 0) return static_cast<int>(d / width);
  }
  return static_cast<int>(d);
}

std::unique_ptr<faiss::Index> make_faiss_index(IndexType type, int64_t d, int64_t rows, const float* data) {
  switch (type) {
    case IndexType::Flat: return std::make_unique<faiss::IndexFlatIP>(d);
    case IndexType::Hnsw: {
      auto index = std::make_unique<faiss::IndexHNSWFlat>(d, kHnswM, faiss::METRIC_INNER_PRODUCT);
      index->hnsw.efSearch = kHnswEfSearch;
      return index;
    }
    case IndexType::IvfPq: {
      if (rows < kIvfPqMinRows) {
        throw InvalidArgument(fmt::format("--type ivfpq: {} descriptor rows are too few to train it (at least {}); "
                                          "use --type flat",
                                          rows, kIvfPqMinRows));
      }
      const auto nlist = static_cast<size_t>(std::clamp<double>(4 * std::sqrt(double(rows)), 1, double(rows) / 39));
      auto quantizer = new faiss::IndexFlatIP(d);
      auto index = std::make_unique<faiss::IndexIVFPQ>(quantizer, d, std::max<size_t>(nlist, 1), pq_subvectors(d),
                                                       8, faiss::METRIC_INNER_PRODUCT);
      index->own_fields = true;
      index->nprobe = std::min<size_t>(16, index->nlist);
      // faiss warns on stderr, once per sub-quantiser, when fewer than 39 rows train each
      // centroid; small collections are allowed (256 rows at least, checked above), so quietly.
      index->cp.min_points_per_centroid = 1;
      index->pq.cp.min_points_per_centroid = 1;
      index->train(rows, data);
      return index;
    }
  }
  return nullptr;
}

template <class F>
auto faiss_call(const std::string& what, F&& f) {
  try {
    return f();
  } catch (const faiss::FaissException& e) {
    throw ConfigError(fmt::format("{}: faiss: {}", what, e.msg));
  }
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("{}: missing or unreadable", path.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
}

}  // namespace

IndexType parse_index_type(const std::string& name) {
  if (name == "flat") return IndexType::Flat;
  if (name == "hnsw") return IndexType::Hnsw;
  if (name == "ivfpq") return IndexType::IvfPq;
  throw InvalidArgument(fmt::format("--type {}: expected flat, hnsw or ivfpq", name));
}

std::string to_string(IndexType type) {
  switch (type) {
    case IndexType::Flat: return "flat";
    case IndexType::Hnsw: return "hnsw";
    case IndexType::IvfPq: return "ivfpq";
  }
  return "";
}

struct VideoIndex::Impl {
  IndexOptions options;
  mutable std::unique_ptr<DescriptorExtractor> embedder;  // made on first use: a run's network is slow to load
  Whitening whitening;
  int64_t dim = 0;
  std::vector<IndexedVideo> videos;
  std::map<std::string, int64_t> by_canonical;
  std::vector<float> features;    // [rows, dim], whitened
  std::vector<float> timestamps;  // [rows, 2]
  std::vector<int64_t> row_video;
  std::unique_ptr<faiss::Index> faiss;

  const DescriptorExtractor& get_embedder() const {
    if (!embedder) embedder = make_embedder(options.embed);
    return *embedder;
  }

  // Embeds the files not indexed yet; the readable ones come back with their descriptors.
  std::vector<VideoDescriptors> embed_new(const std::vector<std::string>& paths, std::vector<SkippedVideo>& skipped,
                                          const IndexProgress& progress) const {
    std::vector<VideoDescriptors> out;
    std::map<std::string, bool> seen;
    int64_t done = 0;
    for (const std::string& path : paths) {
      const std::string canonical = resolved_path(path);
      if (by_canonical.count(canonical) || seen.count(canonical)) {
        skipped.push_back({path, kAlreadyIndexed});
      } else {
        seen[canonical] = true;
        try {
          out.push_back(get_embedder().embed(path));
        } catch (const OpenError& e) {
          skipped.push_back({path, e.what()});
        } catch (const DecodeError& e) {
          skipped.push_back({path, e.what()});
        } catch (const InvalidArgument& e) {
          skipped.push_back({path, e.what()});
        }
      }
      if (progress) progress(++done, static_cast<int64_t>(paths.size()), path);
    }
    return out;
  }

  // Whitens the new videos' rows and appends them (metadata, rows, faiss).
  void append(const std::vector<VideoDescriptors>& added) {
    int64_t new_rows = 0;
    for (const auto& v : added) new_rows += v.rows();
    if (new_rows == 0) return;
    const int64_t raw_dim = added.front().features.size(1);
    Array raw(DType::Float32, {new_rows, raw_dim});
    int64_t r = 0;
    for (const auto& v : added) {
      std::memcpy(raw.data<float>() + r * raw_dim, v.features.data<float>(), v.features.nbytes());
      r += v.rows();
    }
    const Array white = whitening.apply(raw);
    if (!faiss) faiss = make_faiss_index(options.type, dim, new_rows, white.data<float>());
    faiss_call("index", [&] { faiss->add(new_rows, white.data<float>()); });
    features.insert(features.end(), white.data<float>(), white.data<float>() + white.numel());
    for (const auto& v : added) {
      IndexedVideo iv;
      iv.path = v.path;
      iv.canonical = resolved_path(v.path);
      struct stat st {};
      if (::stat(v.path.c_str(), &st) == 0) {
        iv.size = st.st_size;
        iv.mtime = st.st_mtime;
      }
      iv.duration = v.duration;
      iv.first_row = static_cast<int64_t>(row_video.size());
      iv.rows = v.rows();
      const auto id = static_cast<int64_t>(videos.size());
      for (int64_t i = 0; i < v.rows(); ++i) {
        timestamps.push_back(static_cast<float>(v.start[i]));
        timestamps.push_back(static_cast<float>(v.end[i]));
        row_video.push_back(id);
      }
      by_canonical[iv.canonical] = id;
      videos.push_back(std::move(iv));
    }
  }

  // A query's whitened rows and their windows.
  struct Rows {
    at::Tensor features;  // float32 [n, dim]
    std::vector<double> start, end;
  };
  Rows whitened(const VideoDescriptors& query) const;
  SearchHit hit(const Rows& query, int64_t video, const MatchOptions& options) const;
  // The best videos but `exclude` (-1: none).
  std::vector<SearchHit> search(const Rows& query, int64_t exclude, const SearchOptions& options) const;

  at::Tensor video_rows(int64_t video) const {
    const IndexedVideo& v = videos[video];
    return at::from_blob(const_cast<float*>(features.data()) + v.first_row * dim, {v.rows, dim}, at::kFloat);
  }
};

VideoIndex::VideoIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoIndex::VideoIndex(VideoIndex&&) noexcept = default;
VideoIndex& VideoIndex::operator=(VideoIndex&&) noexcept = default;
VideoIndex::~VideoIndex() = default;

VideoIndex VideoIndex::build(const std::vector<std::string>& videos, const IndexOptions& options,
                             std::vector<SkippedVideo>* skipped, const IndexProgress& progress) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::vector<SkippedVideo> skips;
  const std::vector<VideoDescriptors> embedded = impl->embed_new(videos, skips, progress);
  if (skipped) *skipped = skips;
  if (embedded.empty()) {
    throw InvalidArgument(videos.empty() ? std::string("index build: no videos given")
                                         : fmt::format("index build: none of the {} videos could be read (first: {}: {})",
                                                       videos.size(), skips.front().path, skips.front().reason));
  }
  int64_t rows = 0;
  const int64_t raw_dim = embedded.front().features.size(1);
  for (const auto& v : embedded) rows += v.rows();
  Array raw(DType::Float32, {rows, raw_dim});
  int64_t r = 0;
  for (const auto& v : embedded) {
    std::memcpy(raw.data<float>() + r * raw_dim, v.features.data<float>(), v.features.nbytes());
    r += v.rows();
  }
  impl->whitening = Whitening::fit(raw, options.max_dim);
  impl->dim = impl->whitening.dim(raw_dim);
  impl->append(embedded);
  return VideoIndex(std::move(impl));
}

std::vector<SkippedVideo> VideoIndex::add(const std::vector<std::string>& videos, const IndexProgress& progress) {
  std::vector<SkippedVideo> skipped;
  impl_->append(impl_->embed_new(videos, skipped, progress));
  return skipped;
}

void VideoIndex::save(const std::string& dir) const {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw WriteError(fmt::format("{}: cannot create the index folder", dir));
  int generation = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("gen-", 0) == 0) generation = std::max(generation, std::atoi(name.c_str() + 4));
  }
  const std::string gen_name = fmt::format("gen-{:06d}", generation + 1);
  const fs::path gen = fs::path(dir) / gen_name;
  fs::remove_all(gen, ec);
  if (!fs::create_directory(gen, ec)) throw WriteError(fmt::format("{}: cannot create {}", dir, gen.string()));

  const Impl& d = *impl_;
  const auto n = static_cast<int64_t>(d.row_video.size());
  // faiss's reader trusts its input (sizes it allocates, offsets it follows): open() checks the
  // file's length and CRC-32 against config.json before handing it over.
  faiss::VectorIOWriter faiss_bytes;
  faiss_call("index", [&] { faiss::write_index(d.faiss.get(), &faiss_bytes); });
  nlohmann::json config = {{"format", 1},
                           {"faiss_bytes", faiss_bytes.data.size()},
                           {"faiss_crc32", io::crc32_update(0, faiss_bytes.data.data(), faiss_bytes.data.size())},
                           {"embedding", d.options.embed.to_json()},
                           {"type", to_string(d.options.type)},
                           {"max_dim", d.options.max_dim},
                           {"dim", d.dim},
                           {"videos", d.videos.size()},
                           {"rows", n}};
  io::write_file((gen / "config.json").string(), config.dump(2) + "\n");
  nlohmann::json videos = nlohmann::json::array();
  for (const auto& v : d.videos) {
    videos.push_back({{"path", v.path}, {"canonical", v.canonical}, {"size", v.size}, {"mtime", v.mtime},
                      {"duration", v.duration}, {"first_row", v.first_row}, {"rows", v.rows}});
  }
  io::write_file((gen / "videos.json").string(), videos.dump(1) + "\n");
  Array features(DType::Float32, {n, d.dim}), timestamps(DType::Float32, {n, 2}), video(DType::Int64, {n});
  std::memcpy(features.data<float>(), d.features.data(), features.nbytes());
  std::memcpy(timestamps.data<float>(), d.timestamps.data(), timestamps.nbytes());
  std::memcpy(video.data<int64_t>(), d.row_video.data(), video.nbytes());
  io::save_npz((gen / "rows.npz").string(), {{"features", features}, {"timestamps", timestamps}, {"video", video}});
  d.whitening.save((gen / "whitening.npz").string());
  io::write_file((gen / "index.faiss").string(),
                 std::string_view(reinterpret_cast<const char*>(faiss_bytes.data.data()), faiss_bytes.data.size()));
  io::write_file((fs::path(dir) / kCurrent).string(), gen_name + "\n");
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("gen-", 0) == 0 && name != gen_name) fs::remove_all(entry.path(), ec);
  }
}

VideoIndex VideoIndex::open(const std::string& dir) {
  std::ifstream current(fs::path(dir) / kCurrent);
  std::string gen_name;
  if (!current || !std::getline(current, gen_name) || gen_name.rfind("gen-", 0) != 0 ||
      gen_name.find('/') != std::string::npos) {
    throw OpenError(fmt::format("{}: not a vidrep index (no {} file naming a generation)", dir, kCurrent));
  }
  const fs::path gen = fs::path(dir) / gen_name;
  auto impl = std::make_unique<Impl>();
  const nlohmann::json config = read_json(gen / "config.json");
  const nlohmann::json videos = read_json(gen / "videos.json");
  int64_t rows = 0;
  uint64_t faiss_size = 0;
  uint32_t faiss_crc = 0;
  try {
    faiss_size = config.at("faiss_bytes").get<uint64_t>();
    faiss_crc = config.at("faiss_crc32").get<uint32_t>();
    impl->options.embed = EmbedConfig::from_json(config.at("embedding"));
    impl->options.type = parse_index_type(config.at("type").get<std::string>());
    impl->options.max_dim = config.at("max_dim").get<int64_t>();
    impl->dim = config.at("dim").get<int64_t>();
    rows = config.at("rows").get<int64_t>();
    for (const auto& v : videos) {
      IndexedVideo iv{v.at("path").get<std::string>(), v.at("canonical").get<std::string>(), v.at("size").get<int64_t>(),
                      v.at("mtime").get<int64_t>(), v.at("duration").get<double>(), v.at("first_row").get<int64_t>(),
                      v.at("rows").get<int64_t>()};
      impl->by_canonical[iv.canonical] = static_cast<int64_t>(impl->videos.size());
      impl->videos.push_back(std::move(iv));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(fmt::format("{}: damaged index description: {}", gen.string(), e.what()));
  } catch (const InvalidArgument& e) {
    throw ConfigError(fmt::format("{}: damaged index description: {}", gen.string(), e.what()));
  }
  const std::string rows_path = (gen / "rows.npz").string();
  Array features, timestamps, video;
  try {
    for (const auto& [name, a] : io::load_npz(rows_path)) {
      if (name == "features") features = a;
      if (name == "timestamps") timestamps = a;
      if (name == "video") video = a;
    }
  } catch (const Error& e) {
    throw ConfigError(fmt::format("{}: {}", rows_path, e.what()));
  }
  if (!features.defined() || !timestamps.defined() || !video.defined() || features.dtype() != DType::Float32 ||
      features.shape() != std::vector<int64_t>{rows, impl->dim} || timestamps.dtype() != DType::Float32 ||
      timestamps.shape() != std::vector<int64_t>{rows, 2} || video.dtype() != DType::Int64 ||
      video.shape() != std::vector<int64_t>{rows}) {
    throw ConfigError(fmt::format("{}: expected features [{},{}], timestamps [{},2] float32 and video [{}] int64",
                                  rows_path, rows, impl->dim, rows, rows));
  }
  impl->features.assign(features.data<float>(), features.data<float>() + features.numel());
  impl->timestamps.assign(timestamps.data<float>(), timestamps.data<float>() + timestamps.numel());
  impl->row_video.assign(video.data<int64_t>(), video.data<int64_t>() + video.numel());
  int64_t expected_row = 0;
  for (size_t i = 0; i < impl->videos.size(); ++i) {
    const IndexedVideo& v = impl->videos[i];
    if (v.first_row != expected_row || v.rows < 1) {
      throw ConfigError(fmt::format("{}: video {} does not follow the rows before it", (gen / "videos.json").string(), i));
    }
    expected_row += v.rows;
  }
  if (expected_row != rows) {
    throw ConfigError(fmt::format("{}: the videos hold {} rows, the index {}", (gen / "videos.json").string(),
                                  expected_row, rows));
  }
  try {
    impl->whitening = Whitening::load((gen / "whitening.npz").string());
  } catch (const Error& e) {
    throw ConfigError(fmt::format("{}: {}", (gen / "whitening.npz").string(), e.what()));
  }
  const std::string faiss_path = (gen / "index.faiss").string();
  std::error_code ec;
  if (!fs::is_regular_file(faiss_path, ec) || fs::file_size(faiss_path, ec) != faiss_size) {
    throw ConfigError(fmt::format("{}: missing, or not the {} bytes config.json says", faiss_path, faiss_size));
  }
  faiss::VectorIOReader reader;
  reader.data.resize(faiss_size);
  std::ifstream in(faiss_path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(reader.data.data()), static_cast<std::streamsize>(faiss_size))) {
    throw ConfigError(fmt::format("{}: cannot be read", faiss_path));
  }
  if (io::crc32_update(0, reader.data.data(), reader.data.size()) != faiss_crc) {
    throw ConfigError(fmt::format("{}: damaged (its CRC-32 is not the one config.json recorded)", faiss_path));
  }
  impl->faiss.reset(faiss_call(faiss_path, [&] { return faiss::read_index(&reader); }));
  if (impl->faiss->d != impl->dim || impl->faiss->ntotal != rows) {
    throw ConfigError(fmt::format("{}: holds {} rows of {} values, the index description {} of {}", faiss_path,
                                  impl->faiss->ntotal, impl->faiss->d, rows, impl->dim));
  }
  if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(impl->faiss.get())) hnsw->hnsw.efSearch = kHnswEfSearch;
  return VideoIndex(std::move(impl));
}

SearchHit VideoIndex::Impl::hit(const Rows& query, int64_t video, const MatchOptions& options) const {
  const SegmentMatch m = best_segment(query.features.mm(video_rows(video).t()).contiguous(), options);
  SearchHit out;
  out.video = video;
  out.path = videos[video].path;
  out.score = m.score;
  if (m.length > 0) {
    const int64_t first = videos[video].first_row;
    out.query_start = query.start[m.query_first];
    out.query_end = query.end[m.query_last];
    out.ref_start = timestamps[2 * (first + m.ref_first)];
    out.ref_end = timestamps[2 * (first + m.ref_last) + 1];
  }
  return out;
}

std::vector<SearchHit> VideoIndex::Impl::search(const Rows& query, int64_t exclude, const SearchOptions& options) const {
  if (options.k < 1) throw InvalidArgument(fmt::format("--k {}: expected at least 1", options.k));
  const int64_t n = query.features.size(0), rows = static_cast<int64_t>(row_video.size());
  const int64_t neighbours = std::min(options.row_neighbours, rows);
  std::vector<float> sims(static_cast<size_t>(n * neighbours));
  std::vector<idx_t> labels(static_cast<size_t>(n * neighbours));
  faiss_call("search", [&] { faiss->search(n, query.features.data_ptr<float>(), neighbours, sims.data(), labels.data()); });
  // Candidates: videos by the sum over query rows of their best row similarity.
  std::map<int64_t, std::vector<float>> best;  // video -> best similarity per query row
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < neighbours; ++c) {
      const idx_t label = labels[i * neighbours + c];
      if (label < 0 || row_video[label] == exclude) continue;
      auto& row = best[row_video[label]];
      row.resize(static_cast<size_t>(n), 0.0f);
      row[i] = std::max(row[i], sims[i * neighbours + c]);
    }
  }
  std::vector<std::pair<double, int64_t>> candidates;
  for (const auto& [video, row] : best) {
    double sum = 0;
    for (float s : row) sum += s;
    candidates.emplace_back(sum, video);
  }
  const int64_t keep = options.candidates > 0 ? options.candidates : std::max<int64_t>(4 * options.k, 32);
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (static_cast<int64_t>(candidates.size()) > keep) candidates.resize(static_cast<size_t>(keep));
  std::vector<SearchHit> hits;
  for (const auto& candidate : candidates) {
    SearchHit h = hit(query, candidate.second, options.match);
    if (h.score > 0) hits.push_back(std::move(h));
  }
  std::sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return a.score != b.score ? a.score > b.score : a.video < b.video;
  });
  if (static_cast<int64_t>(hits.size()) > options.k) hits.resize(static_cast<size_t>(options.k));
  return hits;
}

VideoIndex::Impl::Rows VideoIndex::Impl::whitened(const VideoDescriptors& query) const {
  return {to_tensor(whitening.apply(query.features)), query.start, query.end};
}

VideoDescriptors VideoIndex::embed(const std::string& path) const { return impl_->get_embedder().embed(path); }

SearchHit VideoIndex::match(const VideoDescriptors& query, int64_t video, const MatchOptions& options) const {
  return impl_->hit(impl_->whitened(query), video, options);
}

std::vector<SearchHit> VideoIndex::search(const VideoDescriptors& query, const SearchOptions& options) const {
  const auto it = impl_->by_canonical.find(resolved_path(query.path));
  const int64_t exclude = options.exclude_query && it != impl_->by_canonical.end() ? it->second : -1;
  return impl_->search(impl_->whitened(query), exclude, options);
}

std::vector<SearchHit> VideoIndex::search_indexed(int64_t video, const SearchOptions& options) const {
  const Impl& d = *impl_;
  Impl::Rows query{d.video_rows(video), {}, {}};
  const IndexedVideo& v = d.videos[video];
  for (int64_t r = v.first_row; r < v.first_row + v.rows; ++r) {
    query.start.push_back(d.timestamps[2 * r]);
    query.end.push_back(d.timestamps[2 * r + 1]);
  }
  return d.search(query, video, options);
}

nlohmann::json hit_json(const SearchHit& hit) {
  return {{"path", hit.path},           {"score", hit.score},         {"query_start", hit.query_start},
          {"query_end", hit.query_end}, {"ref_start", hit.ref_start}, {"ref_end", hit.ref_end}};
}

void VideoIndex::set_threads(int threads) {
  impl_->options.embed.threads = threads;
  impl_->embedder.reset();
}

const IndexOptions& VideoIndex::options() const { return impl_->options; }
const std::vector<IndexedVideo>& VideoIndex::videos() const { return impl_->videos; }
int64_t VideoIndex::rows() const { return static_cast<int64_t>(impl_->row_video.size()); }
int64_t VideoIndex::dim() const { return impl_->dim; }
const Whitening& VideoIndex::whitening() const { return impl_->whitening; }

Array VideoIndex::video_embedding(int64_t video) const {
  const at::Tensor mean = impl_->video_rows(video).mean(0);
  return to_array((mean / mean.norm().clamp_min(1e-12)).contiguous());
}

int64_t VideoIndex::find(const std::string& path) const {
  for (size_t i = 0; i < impl_->videos.size(); ++i) {
    if (impl_->videos[i].path == path) return static_cast<int64_t>(i);
  }
  const auto it = impl_->by_canonical.find(resolved_path(path));
  return it == impl_->by_canonical.end() ? -1 : it->second;
}

}  // namespace vidrep::retrieval
