// Event ids that do not change when the same fact is read again.
//
// The pipeline gives every event a run id, "<run>-<seq>", unique but new at
// each start. An event derived from a position in a source (a line of a log
// file, a utmp record, a journal entry) gets an id made from that position
// instead, so that reading the same line again after a crash yields the same
// id and a receiver drops the repeat. An alert raised from such an event
// gets an id derived from its evidence. The rules are in docs/events.md
// ("Event ids"). Pure functions; thread-safe; no Linux header.
#ifndef PICKET_CORE_EVENT_ID_H_
#define PICKET_CORE_EVENT_ID_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace picket {

inline constexpr uint64_t kFnv1a64Offset = 0xcbf29ce484222325ull;

// 64-bit FNV-1a of `bytes`, continuing from `h` (the offset basis by
// default), so that Fnv1a64(b, Fnv1a64(a)) hashes a followed by b.
uint64_t Fnv1a64(std::string_view bytes, uint64_t h = kFnv1a64Offset);

// "<16 hex digits of source_key>-<position>" for the first event of a
// position, "...-<position>.<index>" for the index-th further one (a
// "message repeated N times" line stands for N events).
std::string SourcePositionId(uint64_t source_key, uint64_t position,
                             uint32_t index);

// "<evidence id>:<8 hex digits>": the id of an alert raised from an event
// whose id is `evidence_id`, the digits a hash of the alert's type and
// `occurrence` (Alert::occurrence, else its dedup key: what tells it from
// other alerts of its type on the same evidence). The same alert raised
// again from the same event after a re-read has the same id.
std::string DerivedAlertId(std::string_view evidence_id,
                           std::string_view type_id,
                           std::string_view occurrence);

}  // namespace picket

#endif  // PICKET_CORE_EVENT_ID_H_
