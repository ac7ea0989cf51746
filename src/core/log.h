// The agent's own diagnostics, to stderr (the journal under systemd).
// Events and alerts never go here: they go to sinks. Messages must not
// contain secrets. Thread-safe (one write(2) per line).
#ifndef PICKET_CORE_LOG_H_
#define PICKET_CORE_LOG_H_

#include <string_view>

namespace picket {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// Messages above `level` are discarded. Default: kInfo.
void SetLogLevel(LogLevel level);
// "error", "warning", "info", "debug"; returns false on anything else.
bool ParseLogLevel(std::string_view name, LogLevel* out);

void Log(LogLevel level, std::string_view message);
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }

}  // namespace picket

#endif  // PICKET_CORE_LOG_H_
