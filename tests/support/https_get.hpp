// Blocking HTTP(S) requests for tests, through keapsync's own verified client.
#pragma once

#include <string>

#include "http/response.hpp"

namespace keapsync::testing {

// Sends `method` `url` (with an optional JSON body), trusting `ca_file`.
// Throws std::runtime_error when no response arrives within 10 s.
http::Response https_request(const std::string& method, const std::string& url,
                             const std::string& ca_file, const std::string& json_body = "");

// A plain HTTP GET (a browser following a redirect to a loopback listener, a
// scrape of the status endpoint); the whole raw response.
std::string plain_get(const std::string& url);

}  // namespace keapsync::testing
