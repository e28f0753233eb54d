// What a collection of videos is searched for besides copies of a query: clusters of near-
// duplicates (for curation) and recommendations of videos like a viewing history.
//
//   auto clusters = find_duplicates(index, 0.6);            // indices into index.videos()
//   auto recs = recommend(index, {index.find("a.mp4")}, {.k = 5, .diversity = 0.3});
#pragma once

#include "vidrep/retrieval/video_index.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::retrieval {

struct DuplicatePair {
  int64_t a = 0, b = 0;  // videos, a < b
  SearchHit hit;         // b's best match against a: score and segments
};

struct Duplicates {
  std::vector<std::vector<int64_t>> clusters;  // two videos or more each, sorted; largest first
  std::vector<DuplicatePair> pairs;            // every pair at or above the threshold
};

// Pairs of indexed videos whose temporal match scores `threshold` or more (each video searched
// against the others: the score of the better direction), joined into clusters by shared members.
Duplicates find_duplicates(const VideoIndex& index, double threshold, const SearchOptions& search = {});

struct RecommendOptions {
  int64_t k = 10;
  // 0: the k most similar videos; towards 1, each pick is pushed away from the ones already
  // picked (maximal marginal relevance: (1 - d) * similarity to the history - d * the largest
  // similarity to a pick).
  double diversity = 0.3;
};

struct Recommendation {
  int64_t video = 0;
  std::string path;
  double relevance = 0;  // cosine of its whole-video embedding with the history's
  double mmr = 0;        // the marginal relevance it was picked with
};

// Videos like `history` (indices into index.videos()), excluding them, in pick order. The history's
// embedding is the normalised mean of its videos' embeddings. InvalidArgument for an empty
// history, a bad index, k < 1 or diversity outside [0, 1].
std::vector<Recommendation> recommend(const VideoIndex& index, const std::vector<int64_t>& history,
                                      const RecommendOptions& options = {});

}  // namespace vidrep::retrieval
