#include "vidrep/serve/server.h"

#include "vidrep/error.h"
#include "vidrep/report/report.h"
#include "vidrep/retrieval/video_index.h"
#include "vidrep/serve/app_page.h"
#include "vidrep/serve/media.h"
#include "vidrep/track/watch.h"
#include "vidrep/train/run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

namespace vidrep::serve {
namespace {

namespace fs = std::filesystem;
using httplib::Request;
using httplib::Response;

constexpr int64_t kMaxNeighbours = 100;
constexpr size_t kAlertsShown = 500;  // the latest alerts /api/alerts returns
constexpr size_t kReportsKept = 16;   // rendered report pages cached

void send_json(Response& res, const nlohmann::json& j, int status = 200) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

void fail(Response& res, int status, const std::string& message) { send_json(res, {{"error", message}}, status); }

// A file as the body, read as it is sent (byte ranges: httplib answers Range requests from it).
void send_file(Response& res, const std::string& path, const std::string& type) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
  if (ec || !*in) return fail(res, 404, fmt::format("{}: cannot be read", fs::path(path).filename().string()));
  res.set_header("Cache-Control", "no-cache");
  res.set_content_provider(size, type, [in](size_t offset, size_t length, httplib::DataSink& sink) {
    std::vector<char> buffer(std::min<size_t>(length, size_t{1} << 16));
    in->clear();
    in->seekg(static_cast<std::streamoff>(offset));
    const auto got = in->read(buffer.data(), static_cast<std::streamsize>(buffer.size())).gcount();
    return got > 0 && sink.write(buffer.data(), static_cast<size_t>(got));
  });
}

// A non-negative integer parameter within [low, high], or `fallback` when absent; nullopt if bad.
std::optional<int64_t> int_param(const Request& req, const char* name, int64_t fallback, int64_t low, int64_t high) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < low || v > high) return std::nullopt;
  return v;
}

std::optional<double> seconds_param(const Request& req, const char* name) {
  if (!req.has_param(name)) return -1.0;
  const std::string text = req.get_param_value(name);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= 0 && v < 1e7)) return std::nullopt;
  return v;
}

retrieval::SearchOptions search_options(int64_t k) {
  retrieval::SearchOptions o;
  o.k = k;
  return o;
}

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

// The runs under `root`: the folder itself when it is a run, else its sub-folders that are, by
// folder name.
std::map<std::string, std::string> list_runs(const std::string& root) {
  std::map<std::string, std::string> runs;
  if (root.empty()) return runs;
  const auto is_run = [](const fs::path& p) { return fs::is_regular_file(p / "config.json"); };
  if (is_run(root)) {
    fs::path p = fs::absolute(root).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();  // "runs/c3d/"
    return {{p.filename().string(), root}};
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (e.is_directory() && is_run(e.path())) runs[e.path().filename().string()] = e.path().string();
  }
  return runs;
}

}  // namespace

struct Server::Impl {
  ServeOptions o;
  std::optional<retrieval::VideoIndex> index;
  std::mutex index_mutex;  // embedding and faiss searches, one at a time
  std::string cache;
  bool own_cache = false;
  std::unique_ptr<MediaCache> media;
  std::mutex report_mutex;  // one report rendered at a time (evaluation uses every core)
  std::map<std::string, std::string> reports;  // by runs, eval and their metrics' sizes
  httplib::Server http;
  int port = 0;
  // httplib's stop() acts only once the server listens: Server::stop() waits for that and then
  // for run() to return, or makes a run() not begun yet return at once.
  std::atomic<bool> run_entered{false}, run_exited{false}, stop_requested{false};

  explicit Impl(ServeOptions options) : o(std::move(options)) {
    if (o.max_upload <= 0) throw InvalidArgument(fmt::format("--max-upload {}: expected > 0 bytes", o.max_upload));
    if (!o.index.empty()) {
      index.emplace(retrieval::VideoIndex::open(o.index));
      index->set_threads(o.threads);
    }
    if (!o.runs.empty() && !fs::is_directory(o.runs)) throw OpenError(fmt::format("{}: --runs is not a folder", o.runs));
    if (!o.alerts.empty() && !fs::is_directory(o.alerts)) throw OpenError(fmt::format("{}: --alerts is not a folder", o.alerts));
    if (o.cache.empty()) {
      std::string pattern = (fs::temp_directory_path() / "vidrep-serve-XXXXXX").string();
      if (!::mkdtemp(pattern.data())) throw WriteError(fmt::format("{}: cannot make a temporary folder", pattern));
      cache = pattern;
      own_cache = true;
    } else {
      cache = o.cache;
      std::error_code ec;
      fs::create_directories(cache, ec);
      if (!fs::is_directory(cache)) throw WriteError(fmt::format("{}: cannot make the cache folder", cache));
    }
    media = std::make_unique<MediaCache>(cache, o.threads);
    routes();
  }

  ~Impl() {
    if (own_cache) {
      std::error_code ec;
      fs::remove_all(cache, ec);
    }
  }

  // The indexed video of the route's first number, or nullptr after answering 404.
  const retrieval::IndexedVideo* video(const Request& req, Response& res) {
    if (!index) return fail(res, 404, "no index: start vidrep serve with --index"), nullptr;
    const std::string text = req.matches[1];
    int64_t id = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id < 0 || id >= static_cast<int64_t>(index->videos().size())) {
      return fail(res, 404, fmt::format("no video {} in the index", text)), nullptr;
    }
    return &index->videos()[static_cast<size_t>(id)];
  }

  // search's hit and the video's number and file name.
  nlohmann::json hit_json(const retrieval::SearchHit& h) const {
    nlohmann::json j = retrieval::hit_json(h);
    j["id"] = h.video;
    j["name"] = file_name(h.path);
    return j;
  }

  nlohmann::json info() const {
    nlohmann::json j = {{"index", nullptr}, {"runs", o.runs.empty() ? nlohmann::json() : nlohmann::json(o.runs)},
                        {"alerts", o.alerts.empty() ? nlohmann::json() : nlohmann::json(o.alerts)},
                        {"max_upload", o.max_upload}};
    if (index) {
      j["index"] = {{"path", o.index}, {"videos", index->videos().size()}, {"rows", index->rows()},
                    {"type", retrieval::to_string(index->options().type)}, {"method", index->options().embed.method_text()}};
    }
    return j;
  }

  void search_upload(const Request& req, Response& res) {
    if (!index) return fail(res, 404, "no index: start vidrep serve with --index");
    if (!req.is_multipart_form_data() || !req.has_file("clip")) {
      return fail(res, 400, "expected a multipart form with the video in a file field \"clip\"");
    }
    const auto k = int_param(req, "k", 10, 1, kMaxNeighbours);
    if (!k) return fail(res, 400, fmt::format("k: expected 1..{}", kMaxNeighbours));
    const httplib::MultipartFormData file = req.get_file_value("clip");
    const std::string name = file.filename.empty() ? "upload" : file.filename;
    if (file.content.empty()) return fail(res, 400, fmt::format("{}: the uploaded file is empty", name));
    // Written under a name of ours (the extension kept when it is plain, for FFmpeg's probing).
    std::string ext = fs::path(file.filename).extension().string();
    if (ext.size() > 9 || !std::all_of(ext.begin() + (ext.empty() ? 0 : 1), ext.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) ext.clear();
    std::string tmp = (fs::path(cache) / ("upload-XXXXXX" + ext)).string();
    const int fd = ::mkstemps(tmp.data(), static_cast<int>(ext.size()));
    if (fd < 0) return fail(res, 500, "cannot store the upload");
    bool written = true;
    for (size_t done = 0; written && done < file.content.size();) {
      const ssize_t n = ::write(fd, file.content.data() + done, file.content.size() - done);
      written = n > 0;
      done += written ? static_cast<size_t>(n) : 0;
    }
    written = ::close(fd) == 0 && written;
    struct Remove {
      std::string path;
      ~Remove() { std::remove(path.c_str()); }
    } remove{tmp};
    if (!written) return fail(res, 500, "cannot store the upload");
    nlohmann::json hits = nlohmann::json::array();
    try {
      std::lock_guard lock(index_mutex);
      for (const auto& h : index->search(index->embed(tmp), search_options(*k))) hits.push_back(hit_json(h));
    } catch (const Error& e) {
      std::string message = e.what();
      for (size_t at = 0; (at = message.find(tmp, at)) != std::string::npos; at += name.size()) message.replace(at, tmp.size(), name);
      return fail(res, 422, message);
    }
    send_json(res, {{"query", name}, {"hits", hits}});
  }

  void report(const Request& req, Response& res) {
    const auto runs = list_runs(o.runs);
    const size_t n = req.get_param_value_count("run");
    if (n == 0) return fail(res, 400, "expected ?run=NAME (one or more)");
    std::vector<std::string> dirs;
    std::string key = req.has_param("eval") && req.get_param_value("eval") == "1" ? "eval" : "curves";
    for (size_t i = 0; i < n; ++i) {
      const std::string name = req.get_param_value("run", i);
      const auto it = runs.find(name);
      if (it == runs.end()) return fail(res, 404, fmt::format("no run \"{}\" under --runs", name));
      dirs.push_back(it->second);
      std::error_code ec;
      key += fmt::format("\n{}\n{}", it->second, fs::file_size(fs::path(it->second) / "metrics.jsonl", ec));
    }
    std::lock_guard lock(report_mutex);
    auto it = reports.find(key);
    if (it == reports.end()) {
      report::ReportOptions ro;
      ro.evaluate = key.starts_with("eval");
      ro.threads = o.threads;
      // A run still training changes its key every epoch: the pages kept stay few.
      if (reports.size() >= kReportsKept) reports.clear();
      try {
        it = reports.emplace(key, report::render_report(dirs, ro)).first;
      } catch (const Error& e) {
        return fail(res, 422, e.what());
      }
    }
    res.set_content(it->second, "text/html; charset=utf-8");
  }

  nlohmann::json runs_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [name, dir] : list_runs(o.runs)) {
      nlohmann::json j = {{"name", name}};
      try {
        const RunInfo run = load_run_info(dir);
        j["task"] = task_name(run.config.task);
        j["model"] = run.config.task == Task::Autoencode ? "autoencoder" : run.config.model.arch;
        std::ifstream metrics(run.metrics_path());
        int64_t epochs = 0;
        for (std::string line; std::getline(metrics, line);) epochs += !line.empty();
        j["epochs"] = epochs;
        j["classes"] = run.classes.size();
      } catch (const Error& e) {
        j["error"] = e.what();
      }
      list.push_back(std::move(j));
    }
    return list;
  }

  // The alert log's complete lines, the latest kAlertsShown, each with the URLs of its evidence
  // that is there (a clip appears once its post-roll is recorded).
  nlohmann::json alerts_json() const {
    nlohmann::json list = nlohmann::json::array();
    if (o.alerts.empty()) return {{"alerts", list}, {"count", 0}};
    std::ifstream in(fs::path(o.alerts) / track::kAlertLog, std::ios::binary);
    std::vector<nlohmann::json> all;
    for (std::string line; std::getline(in, line);) {
      if (in.eof()) break;  // a line still being written
      nlohmann::json a = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!a.is_object()) continue;
      for (const char* field : {"clip", "thumbnail"}) {
        const std::string name = a.contains(field) && a[field].is_string() ? file_name(a[field].get<std::string>()) : "";
        a[std::string(field) + "_url"] = evidence(name) ? nlohmann::json("/alerts/" + name) : nlohmann::json();
      }
      all.push_back(std::move(a));
    }
    const size_t first = all.size() > kAlertsShown ? all.size() - kAlertsShown : 0;
    for (size_t i = first; i < all.size(); ++i) {
      all[i]["number"] = i + 1;
      list.push_back(std::move(all[i]));
    }
    return {{"alerts", list}, {"count", all.size()}};
  }

  // Whether `name` is a piece of evidence in the alerts folder (NNNNNN-TYPE.mp4|png, a file).
  bool evidence(const std::string& name) const {
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const auto type = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
    const bool named = name.size() > 11 && std::all_of(name.begin(), name.begin() + 6, digit) && name[6] == '-' &&
                       (name.ends_with(".mp4") || name.ends_with(".png")) &&
                       std::all_of(name.begin() + 7, name.end() - 4, type);
    return !o.alerts.empty() && named && fs::is_regular_file(fs::path(o.alerts) / name);
  }

  void routes() {
    http.set_payload_max_length(static_cast<size_t>(o.max_upload));
    // SO_REUSEADDR but not httplib's default SO_REUSEPORT, with which a second server on the same
    // port would start and share the connections instead of failing.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    http.set_default_headers({{"X-Content-Type-Options", "nosniff"}});
    http.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const InvalidArgument& e) {
        fail(res, 400, e.what());
      } catch (const OpenError& e) {
        fail(res, 404, e.what());
      } catch (const Error& e) {
        fail(res, 422, e.what());
      } catch (const std::exception& e) {
        fail(res, 500, e.what());
      }
    });
    // Answers without a body of their own (unknown routes, 413 for a large upload) get one.
    http.set_error_handler([](const Request& req, Response& res) {
      if (!res.body.empty()) return;
      const std::string why = res.status == 413   ? "the upload is larger than --max-upload"
                              : res.status == 404 ? fmt::format("no such page: {}", req.path)
                              : res.status == 405 ? fmt::format("{} is not allowed on {}", req.method, req.path)
                                                  : fmt::format("a bad request (HTTP {})", res.status);
      fail(res, res.status, why);
    });
    http.set_logger([](const Request& req, const Response& res) {
      if (res.status >= 400) std::fprintf(stderr, "serve: %s %s -> %d\n", req.method.c_str(), req.path.c_str(), res.status);
    });

    http.Get("/", [](const Request&, Response& res) {
      res.set_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
      res.set_content(std::string(app_page()), "text/html; charset=utf-8");
    });
    http.Get("/favicon.ico", [](const Request&, Response& res) { res.status = 204; });
    http.Get("/api/info", [this](const Request&, Response& res) { send_json(res, info()); });
    http.Get("/api/videos", [this](const Request&, Response& res) {
      nlohmann::json list = nlohmann::json::array();
      if (index) {
        for (size_t i = 0; i < index->videos().size(); ++i) {
          const auto& v = index->videos()[i];
          list.push_back({{"id", i}, {"name", file_name(v.path)}, {"path", v.path}, {"duration", v.duration}});
        }
      }
      send_json(res, list);
    });
    http.Get(R"(/api/videos/([^/]+))", [this](const Request& req, Response& res) {
      const auto* v = video(req, res);
      if (!v) return;
      nlohmann::json j = media->info(v->path);
      j.update({{"id", std::stoll(req.matches[1])}, {"name", file_name(v->path)}, {"path", v->path}});
      send_json(res, j);
    });
    http.Get(R"(/api/videos/([^/]+)/thumbnail\.png)", [this](const Request& req, Response& res) {
      const auto* v = video(req, res);
      if (!v) return;
      const auto t = seconds_param(req, "t");
      if (!t) return fail(res, 400, "t: expected seconds >= 0");
      res.set_header("Cache-Control", "max-age=3600");
      res.set_content(media->thumbnail(v->path, *t), "image/png");
    });
    http.Get(R"(/api/videos/([^/]+)/video)", [this](const Request& req, Response& res) {
      const auto* v = video(req, res);
      if (!v) return;
      const Playable p = media->playable(v->path);
      send_file(res, p.path, p.content_type);
    });
    http.Get(R"(/api/videos/([^/]+)/neighbours)", [this](const Request& req, Response& res) {
      const auto* v = video(req, res);
      if (!v) return;
      const auto k = int_param(req, "k", 10, 1, kMaxNeighbours);
      if (!k) return fail(res, 400, fmt::format("k: expected 1..{}", kMaxNeighbours));
      nlohmann::json hits = nlohmann::json::array();
      std::lock_guard lock(index_mutex);
      for (const auto& h : index->search_indexed(v - index->videos().data(), search_options(*k))) hits.push_back(hit_json(h));
      send_json(res, hits);
    });
    http.Post("/api/search", [this](const Request& req, Response& res) { search_upload(req, res); });
    http.Get("/api/runs", [this](const Request&, Response& res) { send_json(res, runs_json()); });
    http.Get("/report", [this](const Request& req, Response& res) { report(req, res); });
    http.Get("/api/alerts", [this](const Request&, Response& res) { send_json(res, alerts_json()); });
    http.Get(R"(/alerts/([^/]+))", [this](const Request& req, Response& res) {
      const std::string name = req.matches[1];
      if (!evidence(name)) return fail(res, 404, fmt::format("no alert evidence \"{}\"", name));
      send_file(res, (fs::path(o.alerts) / name).string(), name.ends_with(".png") ? "image/png" : "video/mp4");
    });
  }
};

Server::Server(ServeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() = default;

int Server::bind() {
  auto& i = *impl_;
  if (i.o.port < 0 || i.o.port > 65535) throw InvalidArgument(fmt::format("--port {}: expected 0..65535", i.o.port));
  if (i.o.port == 0) {
    i.port = i.http.bind_to_any_port(i.o.host);
  } else if (i.http.bind_to_port(i.o.host, i.o.port)) {
    i.port = i.o.port;
  } else {
    i.port = -1;
  }
  if (i.port <= 0) throw OpenError(fmt::format("{}:{}: cannot listen there (a bad address, or the port is in use)", i.o.host, i.o.port));
  return i.port;
}

void Server::run() {
  impl_->run_entered = true;
  if (!impl_->stop_requested) impl_->http.listen_after_bind();
  impl_->run_exited = true;
}

void Server::stop() {
  impl_->stop_requested = true;
  bool stopped = false;  // httplib's stop() once: a second would find its socket closed
  while (impl_->run_entered && !impl_->run_exited) {
    if (!stopped && impl_->http.is_running()) {
      impl_->http.stop();
      stopped = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::string Server::summary() const {
  const auto& i = *impl_;
  std::vector<std::string> parts;
  if (i.index) parts.push_back(fmt::format("{} videos ({})", i.index->videos().size(), i.o.index));
  if (!i.o.runs.empty()) {
    const size_t n = list_runs(i.o.runs).size();
    parts.push_back(fmt::format("{} run{} ({})", n, n == 1 ? "" : "s", i.o.runs));
  }
  if (!i.o.alerts.empty()) parts.push_back(fmt::format("alerts ({})", i.o.alerts));
  if (parts.empty()) return "nothing to show (give --index, --runs or --alerts)";
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace vidrep::serve
