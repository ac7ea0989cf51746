// libsystemd's journal API, loaded when the login collector opens the
// journal.
#ifndef PICKET_PLATFORM_LINUX_LIB_JOURNAL_H_
#define PICKET_PLATFORM_LINUX_LIB_JOURNAL_H_

#include <systemd/sd-journal.h>

#include "platform/linux/dynamic_library.h"

namespace picket {

// clang-format off
#define PICKET_LIBSYSTEMD_FUNCTIONS(X) \
  X(sd_journal_add_match) \
  X(sd_journal_close) \
  X(sd_journal_get_cursor) \
  X(sd_journal_get_data) \
  X(sd_journal_get_fd) \
  X(sd_journal_get_realtime_usec) \
  X(sd_journal_next) \
  X(sd_journal_open) \
  X(sd_journal_open_directory) \
  X(sd_journal_previous) \
  X(sd_journal_process) \
  X(sd_journal_seek_cursor) \
  X(sd_journal_seek_head) \
  X(sd_journal_seek_tail) \
  X(sd_journal_test_cursor)
// clang-format on

PICKET_DYNAMIC_LIBRARY(LibSystemd, PICKET_SONAME_SYSTEMD,
                       PICKET_LIBSYSTEMD_FUNCTIONS)

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_LIB_JOURNAL_H_
