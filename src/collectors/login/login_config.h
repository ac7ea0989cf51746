// The login collector's configuration (collectors.login), declared once
// (core/options.h). Sources are auto-detected: the journal when the system
// keeps one, else the first syslog file that exists, else utmp records;
// each can be forced on or off (docs/login-monitoring.md). Portable.
#ifndef PICKET_COLLECTORS_LOGIN_LOGIN_CONFIG_H_
#define PICKET_COLLECTORS_LOGIN_LOGIN_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace picket {

struct LoginCollectorConfig {
  bool enabled = true;
  std::string journal = "auto";  // auto | on | off
  std::string syslog = "auto";   // auto | on (every file below) | off
  std::vector<std::string> syslog_files = {
      "/var/log/auth.log", "/var/log/secure", "/var/log/messages"};
  std::string utmp = "auto";  // auto: only when journal and syslog are off
  std::string wtmp_path = "/var/log/wtmp";
  std::string btmp_path = "/var/log/btmp";
  // Where a source without a saved position starts: "end" skips history.
  std::string start_at = "end";        // end | beginning
  int64_t recheck_interval_ms = 1000;  // re-check of files besides inotify
  uint32_t max_line_bytes = 8192;      // longer lines are counted and skipped
  bool resolve_shells = true;          // mark logins of users without a shell

  template <typename V>
  void Options(V& v) {
    v.Bool("enabled", &enabled, "report login successes, failures and logouts");
    v.Enum("journal", &journal, {"auto", "on", "off"},
           "read the systemd journal");
    v.Enum("syslog", &syslog, {"auto", "on", "off"}, "follow log files");
    v.StringList("syslog_files", &syslog_files, StringKind::kAbsolutePath,
                 "log files to follow");
    v.Enum("utmp", &utmp, {"auto", "on", "off"}, "wtmp and btmp records");
    v.String("wtmp_path", &wtmp_path, StringKind::kAbsolutePath,
             "logins and logouts");
    v.String("btmp_path", &btmp_path, StringKind::kAbsolutePath,
             "failed logins");
    v.Enum("start_at", &start_at, {"end", "beginning"},
           "where a source without a saved position starts");
    // inotify does the real-time work; the timer only catches what it
    // cannot see (a directory created later), so sub-100 ms buys nothing.
    v.Duration("recheck_interval", &recheck_interval_ms, {100},
               "re-check of the files besides inotify");
    v.Int("max_line_bytes", &max_line_bytes, {256, 1 << 20, 64 << 10},
          "longer lines are counted and skipped");
    v.Bool("resolve_shells", &resolve_shells,
           "mark logins of accounts without a login shell");
  }
};

}  // namespace picket

#endif  // PICKET_COLLECTORS_LOGIN_LOGIN_CONFIG_H_
