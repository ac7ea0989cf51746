// Fuzz target: the journal export reader never reads outside its input,
// always advances, and keeps its bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/login/journal_export.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  picket::login::JournalExportReader reader(input);
  picket::login::JournalExportEntry e;
  size_t rounds = 0;
  for (;;) {
    auto next = reader.Read(&e);
    if (next == picket::login::JournalExportReader::Next::kEnd) break;
    if (e.message.size() > picket::login::kMaxJournalValue) std::abort();
    if (++rounds > size + 1) std::abort();  // must make progress
  }
  (void)picket::login::LooksLikeJournalExport(input);
  return 0;
}
