// The web app's one page (server.h serves it at /): HTML, CSS and script in one document, no
// network beyond the server's own API. Views by URL fragment: #/ (the collection as thumbnails),
// #/video/ID[@SECONDS] (player, metadata, nearest neighbours with their matched segments and a
// side-by-side compare), #/search (upload a clip), #/runs (run reports), #/alerts (a watch's
// alerts as they arrive, polled every second).
#pragma once

#include <string_view>

namespace vidrep::serve {

std::string_view app_page();

}  // namespace vidrep::serve
