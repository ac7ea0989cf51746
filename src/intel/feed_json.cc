// JSON feed formats: abuse.ch JSON, STIX 2.x bundles, MISP events.
//
// The document is parsed in place (RapidJSON insitu) so every string value
// points into a copy of the feed at its original offset; that offset gives
// the line number reported for a rejected entry.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <string>
#include <vector>

#include "intel/feed.h"

namespace picket {

namespace {

using rapidjson::Value;

class JsonFeed {
 public:
  JsonFeed(std::string_view text, IntelCategory category, IndicatorSink* sink,
           FeedReport* report)
      : buffer_(text), category_(category), sink_(sink), report_(report) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') newlines_.push_back(i);
    }
  }

  // Parses; false (after rejecting line 1 or the error's line) when the text
  // is not one JSON document.
  bool Parse() {
    // Iterative: a deeply nested document must not exhaust the stack.
    doc_.ParseInsitu<rapidjson::kParseIterativeFlag>(buffer_.data());
    if (doc_.HasParseError()) {
      size_t at = doc_.GetErrorOffset();
      report_->Reject(LineAt(at),
                      std::string("invalid JSON: ") +
                          rapidjson::GetParseError_En(doc_.GetParseError()),
                      "");
      return false;
    }
    return true;
  }

  const Value& root() const { return doc_; }

  size_t LineAt(size_t offset) const {
    return size_t(std::upper_bound(newlines_.begin(), newlines_.end(), offset) -
                  newlines_.begin()) +
           1;
  }
  // The line of a value: insitu strings (values and member names) point
  // into buffer_; an object or array is placed at its first string. 0 when
  // unknown.
  size_t LineOf(const Value& value) const {
    // A loop, not recursion: feeds may nest arrays arbitrarily deep.
    const Value* v = &value;
    while (true) {
      if (v->IsObject() && v->MemberCount() > 0) {
        v = &v->MemberBegin()->name;
      } else if (v->IsArray() && !v->Empty()) {
        v = &(*v)[0];
      } else {
        break;
      }
    }
    if (!v->IsString()) return 0;
    const char* p = v->GetString();
    if (p < buffer_.data() || p >= buffer_.data() + buffer_.size()) return 0;
    return LineAt(size_t(p - buffer_.data()));
  }

  static std::string_view Str(const Value& v) {
    return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength())
                        : std::string_view();
  }
  static const Value* Member(const Value& obj, const char* name) {
    if (!obj.IsObject()) return nullptr;
    auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? nullptr : &it->value;
  }
  static std::string_view StrMember(const Value& obj, const char* name) {
    const Value* v = Member(obj, name);
    return v ? Str(*v) : std::string_view();
  }

  // Emits `text` if it classifies as one of `allowed` kinds (a bit mask of
  // 1 << IndicatorKind); else rejects with `what` at the value's line.
  void EmitToken(std::string_view text, const Value& at, unsigned allowed,
                 const char* what, IntelCategory category, bool url_host) {
    Indicator ind;
    std::string reason;
    TokenClass c = url_host ? ClassifyUrlHost(text, &ind, &reason)
                            : ClassifyToken(text, &ind, &reason);
    if (c == TokenClass::kIndicator &&
        (allowed & (1u << static_cast<int>(ind.kind)))) {
      feed_internal::Emit(&ind, category, sink_, report_);
      return;
    }
    if (c != TokenClass::kIndicator && c != TokenClass::kInvalid) {
      report_->Skip(c == TokenClass::kUrlWithPath
                        ? "url with a path on a domain"
                    : c == TokenClass::kOtherHash ? "md5 or sha1 hash"
                                                  : "not an indicator");
      return;
    }
    report_->Reject(LineOf(at), what, text);
  }

  IntelCategory category() const { return category_; }
  FeedReport* report() { return report_; }

 private:
  std::string buffer_;
  std::vector<size_t> newlines_;
  rapidjson::Document doc_;
  IntelCategory category_;
  IndicatorSink* sink_;
  FeedReport* report_;
};

constexpr unsigned kIpKinds =
    1u << int(IndicatorKind::kIpv4) | 1u << int(IndicatorKind::kIpv4Net) |
    1u << int(IndicatorKind::kIpv6) | 1u << int(IndicatorKind::kIpv6Net);
constexpr unsigned kV4Kinds =
    1u << int(IndicatorKind::kIpv4) | 1u << int(IndicatorKind::kIpv4Net);
constexpr unsigned kV6Kinds =
    1u << int(IndicatorKind::kIpv6) | 1u << int(IndicatorKind::kIpv6Net);
constexpr unsigned kDomainKind = 1u << int(IndicatorKind::kDomain);
constexpr unsigned kHostKinds = kIpKinds | kDomainKind;
constexpr unsigned kShaKind = 1u << int(IndicatorKind::kSha256);
constexpr unsigned kAnyKind = kHostKinds | kShaKind;

// ---------------------------------------------------------------- abuse.ch

IntelCategory AbuseChCategory(const Value& entry, IntelCategory fallback) {
  std::string_view threat = JsonFeed::StrMember(entry, "threat_type");
  if (threat == "botnet_cc") return IntelCategory::kBotnetC2;
  if (threat == "payload_delivery" || threat == "malware_download") {
    return IntelCategory::kMalware;
  }
  if (threat == "cc_skimming") return IntelCategory::kPhishing;
  return fallback;
}

void AbuseChEntry(JsonFeed& feed, const Value& entry) {
  if (!entry.IsObject()) {
    feed.report()->Reject(feed.LineOf(entry), "abuse.ch entry is not an object",
                          "");
    return;
  }
  IntelCategory cat = AbuseChCategory(entry, feed.category());
  static constexpr const char* kFields[] = {
      "ioc_value", "ioc", "ip_address", "dst_ip", "sha256_hash", "url", "host"};
  for (const char* field : kFields) {
    const Value* v = JsonFeed::Member(entry, field);
    if (!v || !v->IsString()) continue;
    std::string_view type = JsonFeed::StrMember(entry, "ioc_type");
    if (type == "md5_hash" || type == "sha1_hash") {
      feed.report()->Skip("md5 or sha1 hash");
      return;
    }
    feed.EmitToken(JsonFeed::Str(*v), *v, kAnyKind, "invalid indicator", cat,
                   false);
    return;
  }
  feed.report()->Reject(feed.LineOf(entry), "entry without an indicator field",
                        "");
}

void ParseAbuseCh(JsonFeed& feed) {
  const Value& root = feed.root();
  auto each = [&](const Value& array) {
    for (const Value& e : array.GetArray()) AbuseChEntry(feed, e);
  };
  if (root.IsArray()) return each(root);
  if (!root.IsObject()) {
    feed.report()->Reject(1, "abuse.ch JSON must be an array or object", "");
    return;
  }
  for (const char* key : {"data", "urls", "payloads"}) {
    const Value* v = JsonFeed::Member(root, key);
    if (v && v->IsArray()) return each(*v);
  }
  // ThreatFox export: {"<id>": [ {...} ], ...}.
  for (const auto& m : root.GetObject()) {
    if (m.value.IsArray()) each(m.value);
  }
}

// -------------------------------------------------------------------- STIX

struct Comparison {
  std::string path;
  std::string value;
};

// Parses a STIX pattern that is one or more observation expressions joined
// by OR, each a disjunction of equality comparisons:
//   [a:b = 'x' OR c:d = 'y'] OR [e:f = 'z']
// Returns 1 on success, 0 when the pattern is valid STIX but not of that
// simple shape (AND, MATCHES, qualifiers...), -1 on a syntax error.
int ParseSimplePattern(std::string_view p, std::vector<Comparison>* out) {
  size_t i = 0;
  auto ws = [&] {
    while (i < p.size() &&
           (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) {
      ++i;
    }
  };
  auto keyword = [&](std::string_view k) {
    ws();
    if (p.substr(i, k.size()) == k &&
        (i + k.size() == p.size() || p[i + k.size()] == ' ' ||
         p[i + k.size()] == '[')) {
      i += k.size();
      return true;
    }
    return false;
  };
  while (true) {
    ws();
    if (i >= p.size() || p[i] != '[') return -1;
    ++i;
    while (true) {
      ws();
      size_t start = i;
      while (i < p.size() && p[i] != ' ' && p[i] != '=' && p[i] != '!' &&
             p[i] != '<' && p[i] != '>' && p[i] != ']') {
        // Quoted steps (hashes.'SHA-256') and list steps (parts[*]).
        if (p[i] == '\'' || p[i] == '[') {
          size_t close = p.find(p[i] == '[' ? ']' : '\'', i + 1);
          if (close == std::string_view::npos) return -1;
          i = close;
        }
        ++i;
      }
      Comparison c;
      c.path = std::string(p.substr(start, i - start));
      if (c.path.empty()) return -1;
      ws();
      if (i >= p.size()) return -1;
      if (p[i] != '=') {
        // !=, <, >, MATCHES, LIKE, IN, ...: valid STIX, not a simple match.
        return p[i] == ']' ? -1 : 0;
      }
      ++i;
      ws();
      if (i >= p.size()) return -1;
      if (p[i] != '\'') return 0;  // numbers, h'..', b'..', t'..'
      ++i;
      while (i < p.size() && p[i] != '\'') {
        if (p[i] == '\\' && i + 1 < p.size()) ++i;
        c.value += p[i++];
      }
      if (i >= p.size()) return -1;
      ++i;
      out->push_back(std::move(c));
      ws();
      if (i < p.size() && p[i] == ']') {
        ++i;
        break;
      }
      if (keyword("OR")) continue;
      if (keyword("AND")) return 0;
      return -1;
    }
    ws();
    if (i == p.size()) return 1;
    if (keyword("OR")) continue;
    return 0;  // AND, FOLLOWEDBY, WITHIN, REPEATS, START ... STOP
  }
}

std::string HashName(std::string_view path) {
  // file:hashes.'SHA-256' -> sha256
  std::string out;
  for (char c : path.substr(path.find('.') + 1)) {
    if (c == '\'' || c == '"' || c == '-' || c == '_') continue;
    out += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  }
  return out;
}

void StixComparison(JsonFeed& feed, const Comparison& c, const Value& at,
                    IntelCategory cat) {
  const std::string& path = c.path;
  if (path == "ipv4-addr:value") {
    feed.EmitToken(c.value, at, kV4Kinds, "invalid IPv4 address in pattern",
                   cat, false);
  } else if (path == "ipv6-addr:value") {
    feed.EmitToken(c.value, at, kV6Kinds, "invalid IPv6 address in pattern",
                   cat, false);
  } else if (path == "domain-name:value") {
    feed.EmitToken(c.value, at, kDomainKind, "invalid domain name in pattern",
                   cat, false);
  } else if (path == "url:value") {
    feed.EmitToken(c.value, at, kHostKinds, "invalid URL host in pattern", cat,
                   true);
  } else if (path.starts_with("file:hashes.")) {
    std::string hash = HashName(path);
    if (hash == "sha256") {
      feed.EmitToken(c.value, at, kShaKind, "invalid SHA-256 in pattern", cat,
                     false);
    } else if (hash == "md5" || hash == "sha1") {
      feed.report()->Skip("md5 or sha1 hash");
    } else {
      feed.report()->Skip("stix hash " + hash.substr(0, 20));
    }
  } else {
    feed.report()->Skip("stix " + path.substr(0, path.find(':')).substr(0, 40));
  }
}

IntelCategory StixCategory(const Value& obj, IntelCategory fallback) {
  for (const char* key : {"indicator_types", "labels"}) {
    const Value* v = JsonFeed::Member(obj, key);
    if (!v || !v->IsArray()) continue;
    for (const Value& t : v->GetArray()) {
      if (JsonFeed::Str(t) == "compromised") return IntelCategory::kCompromised;
    }
  }
  return fallback;
}

void StixObject(JsonFeed& feed, const Value& obj) {
  if (JsonFeed::StrMember(obj, "type") != "indicator") return;
  const Value* revoked = JsonFeed::Member(obj, "revoked");
  if (revoked && revoked->IsBool() && revoked->GetBool()) {
    feed.report()->Skip("stix indicator revoked");
    return;
  }
  std::string_view pattern_type = JsonFeed::StrMember(obj, "pattern_type");
  if (!pattern_type.empty() && pattern_type != "stix") {
    feed.report()->Skip("stix pattern type " +
                        std::string(pattern_type.substr(0, 20)));
    return;
  }
  const Value* pattern = JsonFeed::Member(obj, "pattern");
  if (!pattern || !pattern->IsString()) {
    feed.report()->Reject(feed.LineOf(obj), "stix indicator without a pattern",
                          "");
    return;
  }
  std::vector<Comparison> comparisons;
  int shape = ParseSimplePattern(JsonFeed::Str(*pattern), &comparisons);
  if (shape < 0) {
    feed.report()->Reject(feed.LineOf(*pattern), "invalid STIX pattern",
                          JsonFeed::Str(*pattern));
    return;
  }
  if (shape == 0) {
    feed.report()->Skip("stix pattern not a simple comparison");
    return;
  }
  IntelCategory cat = StixCategory(obj, feed.category());
  for (const Comparison& c : comparisons) {
    StixComparison(feed, c, *pattern, cat);
  }
}

void ParseStix(JsonFeed& feed) {
  const Value& root = feed.root();
  const Value* objects = nullptr;
  if (root.IsArray()) {
    objects = &root;
  } else if ((objects = JsonFeed::Member(root, "objects")) == nullptr ||
             !objects->IsArray()) {
    if (root.IsObject()) StixObject(feed, root);
    return;
  }
  for (const Value& obj : objects->GetArray()) StixObject(feed, obj);
}

// -------------------------------------------------------------------- MISP

bool IsFalse(const Value* v) {
  if (!v) return false;
  if (v->IsBool()) return !v->GetBool();
  if (v->IsInt()) return v->GetInt() == 0;
  std::string_view s = JsonFeed::Str(*v);
  return s == "0" || s == "false" || s == "False";
}

bool IsTrue(const Value* v) {
  if (!v) return false;
  if (v->IsBool()) return v->GetBool();
  std::string_view s = JsonFeed::Str(*v);
  return s == "1" || s == "true" || s == "True";
}

void MispAttribute(JsonFeed& feed, const Value& attr) {
  if (!attr.IsObject()) return;
  if (IsTrue(JsonFeed::Member(attr, "deleted"))) {
    feed.report()->Skip("misp attribute deleted");
    return;
  }
  if (IsFalse(JsonFeed::Member(attr, "to_ids"))) {
    feed.report()->Skip("misp to_ids false");
    return;
  }
  std::string_view type = JsonFeed::StrMember(attr, "type");
  const Value* value = JsonFeed::Member(attr, "value");
  if (!value || !value->IsString()) {
    feed.report()->Reject(feed.LineOf(attr),
                          "misp attribute without a string value", "");
    return;
  }
  std::string_view v = JsonFeed::Str(*value);
  std::string_view left = v.substr(0, v.find('|'));
  std::string_view right =
      v.find('|') == std::string_view::npos ? "" : v.substr(v.find('|') + 1);
  IntelCategory cat = feed.category();
  if (type == "ip-dst" || type == "ip-src") {
    feed.EmitToken(v, *value, kIpKinds, "invalid IP address", cat, false);
  } else if (type == "ip-dst|port" || type == "ip-src|port") {
    feed.EmitToken(left, *value, kIpKinds, "invalid IP address", cat, false);
  } else if (type == "domain" || type == "hostname") {
    feed.EmitToken(v, *value, kDomainKind, "invalid domain name", cat, false);
  } else if (type == "hostname|port") {
    feed.EmitToken(left, *value, kDomainKind, "invalid domain name", cat,
                   false);
  } else if (type == "domain|ip") {
    feed.EmitToken(left, *value, kDomainKind, "invalid domain name", cat,
                   false);
    feed.EmitToken(right, *value, kIpKinds, "invalid IP address", cat, false);
  } else if (type == "url") {
    feed.EmitToken(v, *value, kHostKinds, "invalid URL host", cat, true);
  } else if (type == "sha256") {
    feed.EmitToken(v, *value, kShaKind, "invalid SHA-256", cat, false);
  } else if (type == "filename|sha256") {
    feed.EmitToken(right, *value, kShaKind, "invalid SHA-256", cat, false);
  } else if (type == "md5" || type == "sha1" || type == "filename|md5" ||
             type == "filename|sha1") {
    feed.report()->Skip("md5 or sha1 hash");
  } else {
    feed.report()->Skip("misp type " + std::string(type.substr(0, 30)));
  }
}

void MispEvent(JsonFeed& feed, const Value& event) {
  const Value* attrs = JsonFeed::Member(event, "Attribute");
  if (attrs && attrs->IsArray()) {
    for (const Value& a : attrs->GetArray()) MispAttribute(feed, a);
  }
  const Value* objects = JsonFeed::Member(event, "Object");
  if (objects && objects->IsArray()) {
    for (const Value& o : objects->GetArray()) {
      const Value* oa = JsonFeed::Member(o, "Attribute");
      if (!oa || !oa->IsArray()) continue;
      for (const Value& a : oa->GetArray()) MispAttribute(feed, a);
    }
  }
}

void ParseMisp(JsonFeed& feed) {
  const Value& root = feed.root();
  auto one = [&](const Value& v) {
    const Value* event = JsonFeed::Member(v, "Event");
    MispEvent(feed, event ? *event : v);
  };
  if (root.IsArray()) {
    for (const Value& v : root.GetArray()) one(v);
    return;
  }
  const Value* response = JsonFeed::Member(root, "response");
  if (response && response->IsArray()) {
    for (const Value& v : response->GetArray()) one(v);
    return;
  }
  one(root);
}

}  // namespace

namespace feed_internal {

void ParseJsonFeed(std::string_view text, FeedFormat format,
                   IntelCategory category, IndicatorSink* sink,
                   FeedReport* report) {
  for (char c : text) report->lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++report->lines;
  JsonFeed feed(text, category, sink, report);
  if (!feed.Parse()) return;
  switch (format) {
    case FeedFormat::kStix:
      return ParseStix(feed);
    case FeedFormat::kMisp:
      return ParseMisp(feed);
    default:
      return ParseAbuseCh(feed);
  }
}

}  // namespace feed_internal

}  // namespace picket
