// SPDX-License-Identifier: Apache-2.0
#include "transport/libcurl.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace chaostracing::detail {
namespace {

template <typename Function>
void bind(void* library, const char* name, Function& out) {
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) {
    throw std::runtime_error(std::string("cannot use " CHAOSTRACING_LIBCURL ": it has no ") + name);
  }
  out = reinterpret_cast<Function>(symbol);
}

Libcurl load() {
  // Never closed: transports, and libcurl's global state, last until the process exits.
  void* library = ::dlopen(CHAOSTRACING_LIBCURL, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = ::dlerror();
    throw std::runtime_error(std::string("cannot load libcurl, which HTTP exports need: ") +
                             (why != nullptr ? why : CHAOSTRACING_LIBCURL));
  }
  decltype(&::curl_global_init) global_init = nullptr;
  bind(library, "curl_global_init", global_init);
  Libcurl api;
  bind(library, "curl_easy_init", api.easy_init);
  bind(library, "curl_easy_cleanup", api.easy_cleanup);
  bind(library, "curl_easy_setopt", api.easy_setopt);
  bind(library, "curl_easy_perform", api.easy_perform);
  bind(library, "curl_easy_getinfo", api.easy_getinfo);
  bind(library, "curl_easy_strerror", api.easy_strerror);
  bind(library, "curl_slist_append", api.slist_append);
  bind(library, "curl_slist_free_all", api.slist_free_all);
  global_init(CURL_GLOBAL_DEFAULT);
  return api;
}

}  // namespace

const Libcurl& libcurl() {
  static const Libcurl api = load();  // a throw leaves it unset: the next call tries again
  return api;
}

}  // namespace chaostracing::detail
