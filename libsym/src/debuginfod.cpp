#include "debuginfod.h"

#include "dynamic_library.h"

#include <elfutils/debuginfod.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <utility>

namespace sym::detail {

namespace {

// libdebuginfod is loaded with dlopen at the first query (dynamic_library.h): linked
// in, it would load libcurl and its TLS libraries and run curl_global_init at the start of every
// run (about 4 ms, more than a whole small mapresolve run) for a feature most runs never use.
struct Library {
  decltype(&::debuginfod_begin) begin = nullptr;
  decltype(&::debuginfod_find_debuginfo) find_debuginfo = nullptr;
  decltype(&::debuginfod_get_url) get_url = nullptr;  // optional
  decltype(&::debuginfod_end) end = nullptr;
};

// The one client of the process.
struct State {
  Library lib;
  debuginfod_client* client = nullptr;
  bool tried = false;
  std::string why_none;              // why there is no client
  std::vector<std::string> dead;     // server lists that failed: not asked again
  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (client != nullptr) lib.end(client);
  }
};

State& state() {
  static State s;
  return s;
}

// Loads libdebuginfod and creates the client, once; false (why_none set) when it cannot.
bool create_client(State& s) {
  if (s.tried) return s.client != nullptr;
  s.tried = true;
  void* handle = open_library(DEBUGINFOD_SONAME, s.why_none);
  if (handle == nullptr) return false;
  if (!bind_function(handle, "debuginfod_begin", s.lib.begin) ||
      !bind_function(handle, "debuginfod_find_debuginfo", s.lib.find_debuginfo) ||
      !bind_function(handle, "debuginfod_end", s.lib.end)) {
    s.why_none = DEBUGINFOD_SONAME " lacks the debuginfod_begin/find_debuginfo/end functions";
    return false;
  }
  bind_function(handle, "debuginfod_get_url", s.lib.get_url);
  // libdebuginfod waits 90 s for a silent server, three times, by default; a symbolizer should
  // not. The user's settings are kept.
  ::setenv(DEBUGINFOD_TIMEOUT_ENV_VAR, "5", 0);
  ::setenv(DEBUGINFOD_RETRY_LIMIT_ENV_VAR, "1", 0);
  s.client = s.lib.begin();
  if (s.client == nullptr) {
    s.why_none = std::string("cannot create a debuginfod client (") + std::strerror(errno) + ")";
    return false;
  }
  return true;
}

}  // namespace

std::optional<DebuginfodFile> debuginfod_fetch(const std::vector<std::string>& urls,
                                               const std::string& build_id, std::string* error) {
  error->clear();
  std::string servers;
  for (const auto& url : urls) {
    if (url.empty()) continue;
    if (!servers.empty()) servers += ' ';
    servers += url;
  }
  if (servers.empty() || build_id.empty()) return std::nullopt;
  State& s = state();
  if (std::find(s.dead.begin(), s.dead.end(), servers) != s.dead.end()) return std::nullopt;
  const std::string prefix = "debuginfod " + servers + " ";
  // libdebuginfod reads the servers from the environment at each query: ours, not the user's.
  ::setenv(DEBUGINFOD_URLS_ENV_VAR, servers.c_str(), 1);
  if (!create_client(s)) {
    s.dead.push_back(servers);
    *error = prefix + "not asked: " + s.why_none;
    return std::nullopt;
  }
  char* path = nullptr;
  const int fd = s.lib.find_debuginfo(
      s.client, reinterpret_cast<const unsigned char*>(build_id.c_str()), 0, &path);
  if (fd < 0) {
    std::free(path);
    const int err = -fd;
    if (err == ENOENT) {
      *error = prefix + "has no debug info for build-id " + build_id + " (" +
               std::strerror(err) + ")";
    } else {
      s.dead.push_back(servers);
      *error = prefix + "failed for build-id " + build_id + ": " + std::strerror(err) +
               "; no more debuginfod queries in this run";
    }
    return std::nullopt;
  }
  ::close(fd);
  DebuginfodFile file;
  if (path != nullptr) {
    file.path = path;
    std::free(path);
  }
  if (s.lib.get_url != nullptr) {
    // The URL of the current or last download: this one's only if it names the build-id.
    if (const char* url = s.lib.get_url(s.client);
        url != nullptr && std::strstr(url, build_id.c_str()) != nullptr) {
      file.url = url;
    }
  }
  if (file.path.empty()) {
    *error = prefix + "gave no cache path for build-id " + build_id;
    return std::nullopt;
  }
  return file;
}

bool debuginfod_report_once() {
  static bool reported = false;
  return !std::exchange(reported, true);
}

}  // namespace sym::detail
