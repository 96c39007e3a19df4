// SPDX-License-Identifier: Apache-2.0
// libcurl, loaded when the first HTTP transport is made rather than with the library: the
// trace-file default never sends HTTP, and libcurl brings some thirty libraries (TLS,
// Kerberos, LDAP, SSH, IDN...) whose loading was a third of `import chaostracing`
// (bench/README.md, seventh round). Holds the functions curl_http_transport.cpp calls.
#pragma once

#include <curl/curl.h>

namespace chaostracing::detail {

struct Libcurl {
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

// libcurl's functions, loaded (and curl_global_init() called) on the first call; thread-safe.
// Throws std::runtime_error saying why libcurl did not load (then the next call tries again).
const Libcurl& libcurl();

}  // namespace chaostracing::detail
