// The JSON wire form of Events, shared by every sink and every reader.
//
// EventToJson writes the versioned envelope documented in docs/events.md as
// one line; EventFromJson reads such a line back, strictly. The two are exact
// inverses on everything EventToJson produces: `EventToJson(e2) == line` for
// the e2 that EventFromJson(line) yields. Replay, the docs test and the fuzz
// target rely on that. All functions here are pure and thread-safe.
#ifndef PICKET_CORE_EVENT_JSON_H_
#define PICKET_CORE_EVENT_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "picket/event.h"
#include "picket/status.h"

namespace picket {

// Deepest chain of alert evidence EventFromJson accepts (an alert whose
// evidence is an alert whose evidence is ...). Detectors nest one level; the
// cap keeps a hostile file from recursing the reader without bound.
inline constexpr int kMaxEvidenceDepth = 16;

// Serialises `event` as one line of JSON, without a trailing newline. Every
// string is made valid UTF-8 first (ToValidUtf8), because argv and paths from
// /proc can hold any bytes; control characters are escaped, so the line never
// contains a raw newline. The payload is written as `event.type` requires; a
// payload of the wrong kind for the type is a programming error and is
// written as that type's empty payload, so the output still parses. For the
// same reason evidence nested deeper than kMaxEvidenceDepth is left out.
std::string EventToJson(const Event& event);

// Parses one JSON event as EventToJson writes it. Strict: unknown and
// duplicate fields, missing required fields, wrong JSON types, out-of-range
// numbers, an unknown type or priority and any schema version but
// kEventSchemaVersion are errors. On failure returns InvalidArgument whose
// message starts with the offending field's path ("payload.process.pid:
// expected an integer") or, for a syntax error, the byte offset; `*out` is
// then left unchanged.
Status EventFromJson(std::string_view json, Event* out);

// "2026-11-23T15:04:05.123456Z": RFC 3339, UTC, microseconds. Nanoseconds
// are truncated toward the past, so the result never lies in the future.
std::string FormatEventTime(int64_t time_ns);

// Parses an RFC 3339 timestamp ("Z" or a "+hh:mm"/"-hh:mm" offset, 0 to 9
// fraction digits) into Unix nanoseconds. Returns false when the text is
// malformed, names an impossible date or time, or does not fit in int64_t.
bool ParseEventTime(std::string_view text, int64_t* time_ns);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing
// above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Returns `text` with each ill-formed UTF-8 subsequence replaced by U+FFFD,
// one replacement per maximal subpart as Unicode recommends, so "a\xE2\x82z"
// becomes "a\uFFFDz". Valid text is returned unchanged.
std::string ToValidUtf8(std::string_view text);

}  // namespace picket

#endif  // PICKET_CORE_EVENT_JSON_H_
