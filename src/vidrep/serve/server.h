// `vidrep serve`: a local web app over what vidrep made. One page (app_page.h) and a JSON API:
//   GET  /                                  the app: browse, play, neighbours, search, runs, alerts
//   GET  /api/info                          what is served (index, runs, alerts) and the upload limit
//   GET  /api/videos                        the indexed videos [{id, name, path, duration}]
//   GET  /api/videos/ID                     one video's metadata (probe) and whether it plays as is
//   GET  /api/videos/ID/thumbnail.png[?t=S] a frame (the middle one, or the one shown at S seconds)
//   GET  /api/videos/ID/video               the file for <video> (byte ranges), or an H.264 preview
//                                           of one a browser cannot play (made once, cached)
//   GET  /api/videos/ID/neighbours[?k=K]    the most similar other videos with the matched segments
//   POST /api/search                        multipart field "clip": the uploaded clip's best matches
//   GET  /api/runs                          the runs under --runs [{name, task, model, epochs}]
//   GET  /report?run=NAME[&run=NAME...][&eval=1]  `vidrep report` of those runs (eval: evaluated)
//   GET  /api/alerts                        the alerts of a `vidrep watch --alerts-dir` as they come
//   GET  /alerts/NNNNNN-TYPE.(mp4|png)      an alert's evidence
// No request names a file: videos are numbers in the index, runs and alert files names looked up
// in what the server listed, so nothing outside its roots can be read. Bad requests get 4xx and a
// JSON {error}; uploads are bounded (413 past max_upload) and removed after the search.
//
//   serve::Server server({.index = "idx", .runs = "runs", .port = 0});
//   int port = server.bind();   // then server.run() until server.stop()
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace vidrep::serve {

struct ServeOptions {
  std::string index;   // a retrieval index folder (vidrep index build); "": no videos
  std::string runs;    // a run folder, or a folder of them; "": no runs
  std::string alerts;  // an alerts folder of `vidrep watch --alerts-dir`; "": no alerts
  std::string host = "127.0.0.1";
  int port = 8080;     // 0: a free port (bind() says which)
  int64_t max_upload = int64_t{256} << 20;  // bytes
  std::string cache;   // thumbnails are kept in memory; previews and uploads go here ("": a
                       // temporary folder, removed when the server ends)
  int threads = 0;     // decoder / LibTorch threads per request; 0: one per core
};

class Server {
 public:
  // Opens the index and checks the folders. Throws OpenError / ConfigError naming what is wrong,
  // InvalidArgument for bad options.
  explicit Server(ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port; returns the port. Throws OpenError when the port is taken.
  int bind();
  // Serves until stop() (from another thread). bind() first.
  void run();
  // Ends run() (waiting until it has returned), or makes a later run() return at once.
  void stop();
  // "12 videos (idx), 3 runs (runs/), alerts (alerts/)"
  std::string summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vidrep::serve
