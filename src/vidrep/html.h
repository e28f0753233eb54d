// Text for HTML and SVG outputs (reports, timelines, the web app): escaping and base64 for
// inline images.
#pragma once

#include <string>
#include <string_view>

namespace vidrep {

// `text` with & < > " ' replaced by entities, safe inside elements and quoted attributes.
std::string escape_html(std::string_view text);

// RFC 4648 base64 (with padding), for data: URLs.
std::string base64(std::string_view bytes);

}  // namespace vidrep
