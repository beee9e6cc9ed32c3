// Separate debug files fetched by build-id from debuginfod servers, through elfutils'
// libdebuginfod and its cache. Internal to the library; Module::open is the only caller.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sym::detail {

struct DebuginfodFile {
  std::string path;  // the debug file, in libdebuginfod's cache (DEBUGINFOD_CACHE_PATH)
  std::string url;   // where it was downloaded from; "" when the cache already had it
};

// Asks the servers in `urls` for the separate debug file of `build_id` (lowercase hex).
// libdebuginfod is loaded and its one client per process created at the first call with
// servers: no servers, no client and no network. The servers asked are exactly `urls`
// (DEBUGINFOD_URLS is set to them for the query). Unless the environment says otherwise,
// DEBUGINFOD_TIMEOUT is 5 s and DEBUGINFOD_RETRY_LIMIT 1. Not thread-safe.
// On failure: nullopt, and *error says what went wrong, naming the servers and the cause. After
// a failure other than "not found" (server down, timeout, no libdebuginfod) these servers are
// not asked again in this process, and later calls return nullopt with *error empty.
std::optional<DebuginfodFile> debuginfod_fetch(const std::vector<std::string>& urls,
                                               const std::string& build_id, std::string* error);

// True the first time it is called in the process, false after: a debuginfod failure is
// reported once per run, not once per module.
bool debuginfod_report_once();

}  // namespace sym::detail
