// VideoIndex: a persistent similarity index of videos for search, copy detection with
// localisation, near-duplicate clustering and recommendation. Every video is embedded per second
// (descriptors.h), whitened by a PCA fitted on the collection when it was built (whitening.h),
// and its rows go into a faiss index; a query is embedded and whitened the same way, its rows
// find candidate videos in faiss, and each candidate is scored by temporal matching of the two
// row sequences (matching.h), which also says where the copied segment is in both.
//
//   VideoIndex index = VideoIndex::build(collect_videos({"videos/"}), {.embed = EmbedConfig::parse("features")});
//   index.save("idx");
//   VideoIndex again = VideoIndex::open("idx");
//   auto hits = again.search(again.embed("query.mp4"), 10);   // best first
//
// A saved index is a directory:
//   IDX/CURRENT                 the name of the generation in use ("gen-000002")
//   IDX/gen-NNNNNN/config.json  embedding (method, per_second), faiss type, dimensions, counts,
//                               index.faiss's length and CRC-32 (checked before faiss reads it)
//   IDX/gen-NNNNNN/videos.json  per video: path (as given), canonical path, size, mtime, duration,
//                               first row and row count
//   IDX/gen-NNNNNN/rows.npz     the whitened rows: features float32 [N,d], timestamps float32
//                               [N,2], video int64 [N]
//   IDX/gen-NNNNNN/whitening.npz, IDX/gen-NNNNNN/index.faiss
// save() writes a new generation beside the old one and then replaces CURRENT (a rename), so an
// interrupted `index add` leaves the previous index intact and readable; old generations are
// removed after the switch.
//
// Types: flat (exact inner product; the default: right up to a few hundred thousand rows), hnsw
// (graph search, M = 32, efSearch 128: large collections), ivfpq (inverted lists of product-
// quantised codes, nlist = 4 sqrt(N), 8-bit codes of 8 dimensions: the least memory; needs 256
// rows at least to train).
#pragma once

#include "vidrep/retrieval/descriptors.h"
#include "vidrep/retrieval/matching.h"
#include "vidrep/retrieval/whitening.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vidrep::retrieval {

enum class IndexType { Flat, Hnsw, IvfPq };
// The HNSW graph's links per node and its search breadth (bench/bench_index.cpp measures them).
inline constexpr int kHnswM = 32;
inline constexpr int kHnswEfSearch = 128;
IndexType parse_index_type(const std::string& name);  // "flat" | "hnsw" | "ivfpq"; InvalidArgument
std::string to_string(IndexType type);

struct IndexOptions {
  EmbedConfig embed;
  IndexType type = IndexType::Flat;
  int64_t max_dim = 256;  // whitened dimensions kept at most
};

struct IndexedVideo {
  std::string path;       // as given when it was added
  std::string canonical;  // absolute, symlinks resolved: what makes a file "already indexed"
  int64_t size = 0;       // bytes
  int64_t mtime = 0;      // seconds since the epoch
  double duration = 0;
  int64_t first_row = 0;
  int64_t rows = 0;
};

inline constexpr const char* kAlreadyIndexed = "already indexed";

struct SkippedVideo {
  std::string path;
  std::string reason;  // kAlreadyIndexed, or the reader's error
};

struct SearchOptions {
  int64_t k = 10;           // videos to return
  int64_t row_neighbours = 64;  // faiss neighbours per query row that nominate candidate videos
  int64_t candidates = 0;   // videos scored by temporal matching; 0: max(4 k, 32)
  MatchOptions match;
  bool exclude_query = false;  // skip the reference whose canonical path is the query's
};

struct SearchHit {
  int64_t video = 0;  // in videos()
  std::string path;
  double score = 0;   // matching.h's chain score: about the similarity of the matched rows
  double query_start = 0, query_end = 0, ref_start = 0, ref_end = 0;  // seconds
};

// {path, score, query_start, query_end, ref_start, ref_end}: a hit as `vidrep search --json` and
// the web app write it.
nlohmann::json hit_json(const SearchHit& hit);

// Called after each video is embedded, with (done, total, path).
using IndexProgress = std::function<void(int64_t, int64_t, const std::string&)>;

class VideoIndex {
 public:
  // Embeds `videos`, fits the whitening on their rows and indexes them. Unreadable files are
  // skipped (and listed in *skipped when given). Throws InvalidArgument when no video could be
  // read or ivfpq has too few rows to train, ConfigError for an embedding run that cannot load.
  static VideoIndex build(const std::vector<std::string>& videos, const IndexOptions& options,
                          std::vector<SkippedVideo>* skipped = nullptr, const IndexProgress& progress = {});
  // Throws OpenError when DIR is not an index, ConfigError for damaged files (naming them).
  static VideoIndex open(const std::string& dir);

  VideoIndex(VideoIndex&&) noexcept;
  VideoIndex& operator=(VideoIndex&&) noexcept;
  ~VideoIndex();

  // Embeds and adds the files not indexed yet (by canonical path); returns the ones skipped
  // (already indexed or unreadable), which leave the index as it was.
  std::vector<SkippedVideo> add(const std::vector<std::string>& videos, const IndexProgress& progress = {});
  // Writes the index to DIR (created if missing) as a new generation; WriteError.
  void save(const std::string& dir) const;

  // Decoder and compute threads of later embedding (0: one per core); not saved.
  void set_threads(int threads);
  // A file's descriptors, embedded with this index's config (loaded on first use).
  VideoDescriptors embed(const std::string& path) const;
  // The best videos for a query's descriptors (as embed() gives them), best first.
  std::vector<SearchHit> search(const VideoDescriptors& query, const SearchOptions& options = {}) const;
  // The best other videos for an indexed video (its stored rows as the query).
  std::vector<SearchHit> search_indexed(int64_t video, const SearchOptions& options = {}) const;
  // Temporal matching of a query against one indexed video.
  SearchHit match(const VideoDescriptors& query, int64_t video, const MatchOptions& options = {}) const;

  const IndexOptions& options() const;
  const std::vector<IndexedVideo>& videos() const;
  int64_t rows() const;
  int64_t dim() const;                 // of the whitened rows
  const Whitening& whitening() const;
  // float32 [dim()]: the normalised mean of a video's rows (its whole-video embedding).
  Array video_embedding(int64_t video) const;
  // Index of the video with this path (as given or canonical), or -1.
  int64_t find(const std::string& path) const;

 private:
  struct Impl;
  explicit VideoIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep::retrieval
