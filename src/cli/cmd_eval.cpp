// vidrep eval --run RUN [--data DIR] [--split test] [--checkpoint best|last] [--json]
// vidrep eval retrieval --index IDX --truth T.tsv [--k K] [--json]
// vidrep eval track --truth GT.txt --result MOT.txt [--iou 0.5] [--json]
#include "cli_common.h"
#include "retrieval_cli.h"

#include "vidrep/error.h"
#include "vidrep/retrieval/evaluate.h"
#include "vidrep/track/anomaly.h"
#include "vidrep/track/anomaly_metrics.h"
#include "vidrep/track/mot_metrics.h"
#include "vidrep/track/timeline.h"
#include "vidrep/train/evaluate.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <memory>

namespace vidrep::cli {

namespace {

struct RetrievalArgs {
  std::string index;
  std::string truth;
  int64_t k = 10;
  bool json = false;
};

// Every query of the truth searched in the index, scored against it.
CLI::App* register_eval_retrieval(CLI::App* eval) {
  auto args = std::make_shared<RetrievalArgs>();
  CLI::App* cmd = eval->add_subcommand(
      "retrieval", "Copy detection and retrieval metrics of an index on a ground truth: recall@1/5/10, mAP, "
                   "VSC22 micro-AP, segment AP");
  cmd->add_option("--index", args->index, "Index folder (vidrep index build)")->required();
  cmd->add_option("--truth", args->truth,
                  "Ground truth: lines 'query ref [q_start q_end r_start r_end]', paths relative to the file, "
                  "'-' as ref for a query that copies nothing")
      ->required();
  cmd->add_option("--k", args->k, "Hits kept per query")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "One JSON object with the metrics");
  cmd->callback([args] {
    const retrieval::VideoIndex index = retrieval::VideoIndex::open(args->index);
    const std::vector<retrieval::TruthCopy> truth = retrieval::load_truth(args->truth);
    std::vector<std::string> queries;
    for (const auto& t : truth) {
      if (std::find(queries.begin(), queries.end(), t.query) == queries.end()) queries.push_back(t.query);
    }
    std::vector<retrieval::QueryResults> results;
    ProgressBar bar;
    for (size_t i = 0; i < queries.size(); ++i) {
      bar.update(static_cast<double>(i) / static_cast<double>(queries.size()),
                 fmt::format("searching {}/{}  {}", i + 1, queries.size(), queries[i]));
      retrieval::QueryResults r{queries[i], {}};
      retrieval::SearchOptions search;
      search.k = args->k;
      for (const auto& h : index.search(index.embed(queries[i]), search)) {
        r.refs.push_back({index.videos()[h.video].canonical, h.score, h.query_start, h.query_end, h.ref_start,
                          h.ref_end});
      }
      results.push_back(std::move(r));
    }
    bar.clear();
    const retrieval::RetrievalMetrics m = retrieval::evaluate_retrieval(results, truth);
    const nlohmann::json j = {{"index", args->index},         {"truth", args->truth},
                              {"queries", m.queries},         {"positive_queries", m.positive_queries},
                              {"true_pairs", m.true_pairs},   {"recall_at_1", m.recall_at_1},
                              {"recall_at_5", m.recall_at_5}, {"recall_at_10", m.recall_at_10},
                              {"map", m.map},                 {"micro_ap", m.micro_ap},
                              {"segment_ap", m.segment_ap}};
    if (args->json) {
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{} queries ({} with a copy in the index): recall@1 {:.3f}  recall@5 {:.3f}  recall@10 {:.3f}  "
                 "mAP {:.3f}  micro-AP {:.3f}  segment AP {:.3f}\n",
                 m.queries, m.positive_queries, m.recall_at_1, m.recall_at_5, m.recall_at_10, m.map, m.micro_ap,
                 m.segment_ap);
    }
  });
  return cmd;
}

struct TrackArgs {
  std::string truth, result;
  float iou = 0.5f;
  bool json = false;
};

// MOTChallenge metrics of a tracking result (vidrep track --mot) against a ground truth.
CLI::App* register_eval_track(CLI::App* eval) {
  auto args = std::make_shared<TrackArgs>();
  CLI::App* cmd = eval->add_subcommand("track", "Tracking metrics of MOTChallenge text against a ground truth: MOTA, "
                                                "MOTP, IDF1, misses, false positives, identity switches");
  cmd->add_option("--truth", args->truth, "Ground truth, MOTChallenge text (frame,id,x,y,w,h,...)")->required();
  cmd->add_option("--result", args->result, "Tracks, MOTChallenge text (vidrep track --mot)")->required();
  cmd->add_option("--iou", args->iou, "Least overlap of a match")->capture_default_str();
  cmd->add_flag("--json", args->json,
                "One JSON object: mota, motp, idf1, idp, idr, misses, false_positives, id_switches, matches, "
                "truth_boxes, result_boxes, truth_ids, result_ids");
  cmd->callback([args] {
    const track::MotMetrics m =
        track::evaluate_tracking(track::load_mot(args->truth), track::load_mot(args->result), args->iou);
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"mota", m.mota}, {"motp", m.motp}, {"idf1", m.idf1}, {"idp", m.idp},
                                        {"idr", m.idr}, {"misses", m.misses}, {"false_positives", m.false_positives},
                                        {"id_switches", m.id_switches}, {"matches", m.matches},
                                        {"truth_boxes", m.truth_boxes}, {"result_boxes", m.result_boxes},
                                        {"truth_ids", m.truth_ids}, {"result_ids", m.result_ids}}
                             .dump());
      return;
    }
    fmt::print("MOTA {:.3f}  MOTP {:.3f}  IDF1 {:.3f} (IDP {:.3f}, IDR {:.3f})\n", m.mota, m.motp, m.idf1, m.idp, m.idr);
    fmt::print("{} truth boxes of {} objects, {} tracked boxes of {} tracks: {} misses, {} false positives, {} identity "
               "switches\n",
               m.truth_boxes, m.truth_ids, m.result_boxes, m.result_ids, m.misses, m.false_positives, m.id_switches);
  });
  return cmd;
}

// Frame AUROC (Liu et al.'s protocol) and event-level recall/precision of anomaly scores.
CLI::App* register_eval_anomaly(CLI::App* eval) {
  struct Args {
    std::string truth, scores, model, timeline;
    double threshold = std::nan("");
    double gap = 5;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = eval->add_subcommand("anomaly", "Anomaly metrics of per-frame scores against anomalous frame ranges: "
                                                  "micro/macro frame AUROC, event recall/precision, false alerts");
  cmd->add_option("--truth", args->truth, "Anomalous frame ranges, TSV: video start_frame end_frame [type] (end exclusive)")
      ->required();
  cmd->add_option("--scores", args->scores, "Scores, JSON lines {video, frame, time, score} (vidrep anomaly score --json)")
      ->required();
  cmd->add_option("--model", args->model, "The anomaly run, for its alert threshold");
  cmd->add_option("--threshold", args->threshold, "Alert threshold on the raw score (instead of the run's)");
  cmd->add_option("--gap", args->gap, "Seconds: alerts closer than this are one")->capture_default_str();
  cmd->add_option("--timeline", args->timeline,
                  "Folder for a timeline picture per video (VIDEO.svg): score, threshold, ground truth, alerts");
  cmd->add_flag("--json", args->json, "One JSON object");
  cmd->callback([args] {
    double threshold = args->threshold;
    if (std::isnan(threshold)) {
      if (args->model.empty()) throw InvalidArgument("eval anomaly: give --model RUN or --threshold T for the alerts");
      threshold = track::AnomalyModel::load_settings(args->model).threshold;
    }
    const auto truth = track::load_anomaly_truth(args->truth);
    const auto scores = track::load_anomaly_scores(args->scores);
    const track::AnomalyMetrics m = track::evaluate_anomaly(truth, scores, threshold, args->gap);
    if (!args->timeline.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(args->timeline, ec);
      if (ec) throw WriteError(fmt::format("{}: cannot make the folder: {}", args->timeline, ec.message()));
      for (const auto& [name, v] : scores) {
        track::Timeline t{.title = name, .scores = v.scores, .fps = v.fps, .threshold = threshold, .truth = {}, .alerts = {}};
        if (const auto it = truth.find(name); it != truth.end()) {
          for (const auto& e : it->second) t.truth.push_back({e.start / v.fps, e.end / v.fps, e.type});
        }
        for (const auto& [a, b] : m.alert_frames.at(name)) t.alerts.push_back({a / v.fps, b / v.fps, "alert"});
        track::write_timeline((std::filesystem::path(args->timeline) / (name + ".svg")).string(), t);
      }
    }
    if (args->json) {
      nlohmann::json by_type = nlohmann::json::object();
      for (const auto& [type, n] : m.by_type) by_type[type] = {{"detected", n.first}, {"events", n.second}};
      fmt::print("{}\n", nlohmann::json{{"micro_auroc", m.micro_auroc}, {"macro_auroc", m.macro_auroc},
                                        {"raw_auroc", m.raw_auroc}, {"videos", m.videos}, {"frames", m.frames},
                                        {"anomalous_frames", m.anomalous_frames}, {"threshold", threshold},
                                        {"events", m.events}, {"detected", m.detected}, {"recall", m.recall},
                                        {"alerts", m.alerts}, {"true_alerts", m.true_alerts}, {"precision", m.precision},
                                        {"false_per_10min", m.false_per_10min}, {"normal_minutes", m.normal_minutes},
                                        {"by_type", by_type}}
                             .dump());
      return;
    }
    fmt::print("frame AUROC {:.3f} (micro, per-video min-max), {:.3f} (macro), {:.3f} (raw scores); {} videos, {} of {} "
               "frames anomalous\n",
               m.micro_auroc, m.macro_auroc, m.raw_auroc, m.videos, m.anomalous_frames, m.frames);
    fmt::print("events: {} of {} detected (recall {:.3f}); {} alerts, precision {:.3f}; {:.2f} false alerts per 10 min of "
               "normal video (threshold {:.3f})\n",
               m.detected, m.events, m.recall, m.alerts, m.precision, m.false_per_10min, threshold);
    for (const auto& [type, n] : m.by_type) fmt::print("  {:16} {} of {}\n", type, n.first, n.second);
  });
  return cmd;
}

}  // namespace

void register_eval(CLI::App& app) {
  auto args = std::make_shared<std::pair<std::string, EvalOptions>>();
  auto json = std::make_shared<bool>(false);
  EvalOptions& o = args->second;
  CLI::App* cmd = app.add_subcommand("eval", "Metrics of a trained run on a dataset split: top-1/top-5, per-class P/R/F1, confusion");
  cmd->add_option("--run", args->first, "Run folder written by vidrep train (required but for `eval retrieval`, `eval track` and `eval anomaly`)");
  cmd->add_option("--data", o.data, "Dataset folder (default: the run's)");
  cmd->add_option("--split", o.split, "train | val | test")->capture_default_str();
  cmd->add_option("--checkpoint", o.checkpoint, "best | last")->capture_default_str();
  cmd->add_option("--threads", o.threads, "LibTorch threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--workers", o.workers, "Loader threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", *json, "One JSON object: accuracy, top5, macro_f1, micro_f1, per_class, confusion");
  CLI::App* retrieval = register_eval_retrieval(cmd);
  CLI::App* tracking = register_eval_track(cmd);
  CLI::App* anomaly = register_eval_anomaly(cmd);
  cmd->callback([args, json, retrieval, tracking, anomaly] {
    if (retrieval->parsed() || tracking->parsed() || anomaly->parsed()) return;
    if (args->first.empty()) throw InvalidArgument("eval: --run is required");
    const EvalResult r = evaluate_run(args->first, args->second);
    for (const auto& s : r.skipped) fmt::print(stderr, "vidrep: skipped unreadable file {}\n", s);
    if (*json) {
      nlohmann::json j = r.report;
      j["loss"] = r.loss;
      j["split"] = args->second.split;
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{} on the {} split\n{}", args->first, args->second.split, format_report(r.report));
    }
  });
}

}  // namespace vidrep::cli
