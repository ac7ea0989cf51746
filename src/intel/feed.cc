// Line-oriented feed formats, format detection and the report. The JSON
// formats (abuse.ch JSON, STIX, MISP) are in feed_json.cc.
#include "intel/feed.h"

#include <algorithm>
#include <array>

#include "intel/special.h"

namespace picket {

namespace {

constexpr std::string_view kFormatNames[kFeedFormatCount] = {
    "plain", "hosts", "adblock", "maltrail", "csv",
    "json",  "stix",  "misp",    "suricata", "dataplane",
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view StripBom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

// Calls fn(line_number, line) for every line; "\n", "\r\n" and a lone "\r"
// all end a line. Returns the number of lines.
template <typename Fn>
size_t ForEachLine(std::string_view text, Fn&& fn) {
  size_t number = 0;
  while (!text.empty()) {
    size_t end = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, end);
    ++number;
    fn(number, line);
    if (end == std::string_view::npos) break;
    size_t next = end + 1;
    if (text[end] == '\r' && next < text.size() && text[next] == '\n') ++next;
    text.remove_prefix(next);
  }
  return number;
}

// Splits on whitespace (and commas, which some plain lists use).
std::vector<std::string_view> Tokens(std::string_view s, size_t max = 8) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size() && out.size() < max) {
    while (i < s.size() && (IsSpace(s[i]) || s[i] == ',')) ++i;
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i]) && s[i] != ',') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view StripComment(std::string_view line, std::string_view marks) {
  size_t at = line.find_first_of(marks);
  return at == std::string_view::npos ? line : line.substr(0, at);
}

std::string SkipReason(TokenClass c) {
  switch (c) {
    case TokenClass::kUrlWithPath:
      return "url with a path on a domain";
    case TokenClass::kPath:
      return "url path";
    case TokenClass::kAsn:
      return "asn";
    case TokenClass::kOtherHash:
      return "md5 or sha1 hash";
    case TokenClass::kLocalName:
      return "local host name";
    case TokenClass::kPattern:
      return "wildcard pattern";
    default:
      return "other";
  }
}

// Emits every CIDR of the smallest cover of [first, last].
void EmitRange(uint32_t first, uint32_t last, IntelCategory category,
               IndicatorSink* sink, FeedReport* report) {
  uint64_t at = first;
  while (at <= last) {
    int prefix = 32;
    // Grow the block while it stays aligned and inside the range.
    while (prefix > 0) {
      uint64_t size = uint64_t{1} << (32 - (prefix - 1));
      if (at % size != 0 || at + size - 1 > last) break;
      --prefix;
    }
    Indicator ind;
    ind.ipv4 = static_cast<uint32_t>(at);
    ind.prefix_len = static_cast<uint8_t>(prefix);
    ind.kind = prefix == 32 ? IndicatorKind::kIpv4 : IndicatorKind::kIpv4Net;
    feed_internal::Emit(&ind, category, sink, report);
    at += uint64_t{1} << (32 - prefix);
  }
}

// FireHOL ipset/netset, Spamhaus DROP/EDROP, DShield block.txt, plain
// domain, IP and hash lists: the first token of each line, comments after
// '#' or ';'. "a.b.c.d e.f.g.h" and "a.b.c.d-e.f.g.h" are ranges.
void ParsePlain(std::string_view text, IntelCategory category,
                IndicatorSink* sink, FeedReport* report) {
  report->lines += ForEachLine(text, [&](size_t n, std::string_view line) {
    line = Trim(StripComment(line, "#;"));
    if (line.empty()) return;
    std::vector<std::string_view> tok = Tokens(line, 2);
    if (tok.empty()) {  // only separators
      report->Reject(n, "no value", line);
      return;
    }
    uint32_t first, last;
    std::string_view a = tok[0], b = tok.size() > 1 ? tok[1] : "";
    if (size_t dash = a.find('-'); dash != std::string_view::npos &&
                                   b.empty() &&
                                   ParseIpv4(a.substr(0, dash), &first) &&
                                   ParseIpv4(a.substr(dash + 1), &last)) {
      b = a.substr(dash + 1);
      a = a.substr(0, dash);
    }
    if (!b.empty() && ParseIpv4(a, &first) && ParseIpv4(b, &last)) {
      if (last < first) {
        report->Reject(n, "range ends before it starts", line);
        return;
      }
      EmitRange(first, last, category, sink, report);
      return;
    }
    feed_internal::HandleToken(tok[0], n, category, sink, report);
  });
}

// Hosts files: "IP name [name...]"; the names are the indicators.
void ParseHosts(std::string_view text, IntelCategory category,
                IndicatorSink* sink, FeedReport* report) {
  report->lines += ForEachLine(text, [&](size_t n, std::string_view line) {
    line = Trim(StripComment(line, "#"));
    if (line.empty()) return;
    std::vector<std::string_view> tok = Tokens(line, 64);
    IpAddress ip;
    if (tok.empty()) {
      report->Reject(n, "no value", line);
      return;
    }
    if (!ParseIpAddress(tok[0], &ip)) {
      report->Reject(n, "hosts line does not start with an IP address", line);
      return;
    }
    if (tok.size() < 2) {
      report->Reject(n, "hosts line without a name", line);
      return;
    }
    for (size_t i = 1; i < tok.size(); ++i) {
      feed_internal::HandleToken(tok[i], n, category, sink, report);
    }
  });
}

// Adblock / uBlock filter lists: "||host^[$options]" rules and bare host
// lines. Exceptions, element hiding and other pattern rules are skipped.
void ParseAdblock(std::string_view text, IntelCategory category,
                  IndicatorSink* sink, FeedReport* report) {
  report->lines += ForEachLine(text, [&](size_t n, std::string_view line) {
    line = Trim(line);
    if (line.empty() || line[0] == '!' || line[0] == '[') return;
    if (line[0] == '#' && !line.starts_with("##")) return;
    if (line.starts_with("@@")) {
      report->Skip("adblock exception rule");
      return;
    }
    if (line.find("##") != std::string_view::npos ||
        line.find("#@#") != std::string_view::npos ||
        line.find("#?#") != std::string_view::npos) {
      report->Skip("adblock element hiding rule");
      return;
    }
    std::string_view rule = line;
    if (size_t dollar = rule.find('$'); dollar != std::string_view::npos) {
      rule = rule.substr(0, dollar);
    }
    if (rule.starts_with("||")) {
      rule.remove_prefix(2);
      size_t end = rule.find('^');
      if (end != std::string_view::npos) {
        if (end + 1 != rule.size() && rule.substr(end + 1) != "|") {
          report->Skip("adblock pattern rule");
          return;
        }
        rule = rule.substr(0, end);
      }
      if (rule.find_first_of("*|") != std::string_view::npos) {
        report->Skip("adblock pattern rule");
        return;
      }
      feed_internal::HandleToken(rule, n, category, sink, report);
      return;
    }
    // Bare entries: urlhaus-filter ships hosts without "||"; anything else
    // is a valid substring or regex rule that names no host.
    Indicator ind;
    std::string reason;
    if (!rule.empty() &&
        rule.find_first_of("*|^/=?") == std::string_view::npos &&
        ClassifyToken(rule, &ind, &reason) == TokenClass::kIndicator) {
      feed_internal::Emit(&ind, category, sink, report);
      return;
    }
    report->Skip("adblock pattern rule");
  });
}

// Maltrail trails: one trail per line ("domain", "ip", "ip:port",
// "cidr # comment", "http://ip", "/path", "domain/path").
void ParseMaltrail(std::string_view text, IntelCategory category,
                   IndicatorSink* sink, FeedReport* report) {
  report->lines += ForEachLine(text, [&](size_t n, std::string_view line) {
    line = Trim(StripComment(line, "#"));
    if (line.empty()) return;
    std::vector<std::string_view> tok = Tokens(line, 2);
    if (tok.empty()) {
      report->Reject(n, "no value", line);
      return;
    }
    feed_internal::HandleToken(tok[0], n, category, sink, report);
  });
}

// Pipe-separated reports: DataPlane.org ("ASN | ASname | ipaddr | lastseen
// | category") and Team Cymru ("report|ip|asn|time|comments|asname"). The
// address is the first field that is an IP address or CIDR (an AS name may
// itself hold '|').
void ParseDataplane(std::string_view text, IntelCategory category,
                    IndicatorSink* sink, FeedReport* report) {
  report->lines += ForEachLine(text, [&](size_t n, std::string_view line) {
    if (Trim(line).empty() || Trim(line)[0] == '#') return;
    std::string_view rest = line;
    while (true) {
      size_t bar = rest.find('|');
      std::string_view field = Trim(rest.substr(0, bar));
      Indicator ind;
      std::string reason;
      if (ClassifyToken(field, &ind, &reason) == TokenClass::kIndicator &&
          ind.kind != IndicatorKind::kDomain &&
          ind.kind != IndicatorKind::kSha256) {
        feed_internal::Emit(&ind, category, sink, report);
        return;
      }
      if (bar == std::string_view::npos) break;
      rest = rest.substr(bar + 1);
    }
    report->Reject(n, "no IP address field", line);
  });
}

// Suricata/Snort rules: literal addresses in the source and destination
// fields of the rule header ("alert ip [1.2.3.4,5.6.7.0/24] any -> ...").
// Variables ($HOME_NET), "any" and negated entries are ignored; a rule
// without a literal address is skipped.
void ParseSuricata(std::string_view text, IntelCategory category,
                   IndicatorSink* sink, FeedReport* report) {
  report->lines += ForEachLine(text, [&](size_t n, std::string_view line) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') return;
    std::string_view header = line.substr(0, line.find('('));
    size_t arrow = header.find("->");
    if (arrow == std::string_view::npos) arrow = header.find("<>");
    if (arrow == std::string_view::npos) {
      report->Reject(n, "not a rule: no '->' in the header", line);
      return;
    }
    size_t emitted = 0;
    std::string_view sides[2] = {Trim(header.substr(0, arrow)),
                                 Trim(header.substr(arrow + 2))};
    for (int side = 0; side < 2; ++side) {
      std::string_view s = sides[side];
      // Source side: "action proto ADDR PORT"; destination: "ADDR PORT".
      if (side == 0) {
        for (int skip = 0; skip < 2; ++skip) {
          size_t sp = s.find_first_of(" \t");
          if (sp == std::string_view::npos) {
            s = "";
            break;
          }
          s = Trim(s.substr(sp));
        }
      }
      std::string_view addr;
      if (!s.empty() && s[0] == '[') {
        size_t depth = 0, i = 0;
        for (; i < s.size(); ++i) {
          if (s[i] == '[') ++depth;
          if (s[i] == ']' && --depth == 0) break;
        }
        addr = s.substr(0, i + 1);
      } else {
        addr = s.substr(0, s.find_first_of(" \t"));
      }
      std::string_view list = addr;
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
        while (!item.empty() && (item.front() == '[' || item.front() == ' '))
          item.remove_prefix(1);
        while (!item.empty() && (item.back() == ']' || item.back() == ' '))
          item.remove_suffix(1);
        if (item.empty() || item[0] == '$' || item[0] == '!' || item == "any") {
          continue;
        }
        feed_internal::HandleToken(item, n, category, sink, report);
        ++emitted;
      }
    }
    if (emitted == 0) report->Skip("rule without a literal address");
  });
}

// CSV with a header naming the columns (abuse.ch puts it in the last '#'
// comment line before the data; others in the first line).
struct CsvColumns {
  int value = -1;     // the indicator column
  int ioc_type = -1;  // ThreatFox "ioc_type"
  int threat = -1;    // ThreatFox "threat_type"
  bool url = false;   // the value column is a URL
};

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i < line.size() && line[i] == '"') {
      size_t close = line.find('"', i + 1);
      // Doubled quotes inside a field are rare in feeds; keep them as is.
      while (close != std::string_view::npos && close + 1 < line.size() &&
             line[close + 1] == '"') {
        close = line.find('"', close + 2);
      }
      if (close == std::string_view::npos) close = line.size();
      out.push_back(line.substr(i + 1, close - i - 1));
      i = line.find(',', close);
      if (i == std::string_view::npos) break;
      ++i;
      continue;
    }
    size_t comma = line.find(',', i);
    out.push_back(Trim(line.substr(i, comma - i)));
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  return out;
}

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return out;
}

bool FindCsvColumns(std::string_view header, CsvColumns* cols) {
  static constexpr std::string_view kValueColumns[] = {
      "ioc_value",   "ioc",    "dst_ip", "dstip",  "ip_address", "ip",
      "sha256_hash", "sha256", "url",    "domain", "host",       "hostname"};
  std::vector<std::string_view> names = SplitCsv(header);
  int best = -1;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string name = Lowered(Trim(names[i]));
    if (name == "ioc_type") cols->ioc_type = int(i);
    if (name == "threat_type") cols->threat = int(i);
    for (int rank = 0; rank < int(std::size(kValueColumns)); ++rank) {
      if (name == kValueColumns[rank] && (best < 0 || rank < best)) {
        best = rank;
        cols->value = int(i);
      }
    }
  }
  if (best >= 0) cols->url = kValueColumns[best] == "url";
  return cols->value >= 0;
}

IntelCategory ThreatTypeCategory(std::string_view threat,
                                 IntelCategory fallback) {
  if (threat == "botnet_cc") return IntelCategory::kBotnetC2;
  if (threat == "payload_delivery" || threat == "payload" ||
      threat == "malware_download") {
    return IntelCategory::kMalware;
  }
  if (threat == "cc_skimming" || threat == "phishing") {
    return IntelCategory::kPhishing;
  }
  return fallback;
}

void ParseCsv(std::string_view text, IntelCategory category,
              IndicatorSink* sink, FeedReport* report) {
  CsvColumns cols;
  bool have_header = false;
  std::string_view last_comment;
  report->lines += ForEachLine(text, [&](size_t n, std::string_view line) {
    std::string_view t = Trim(line);
    if (t.empty()) return;
    if (t[0] == '#') {
      last_comment = Trim(t.substr(1));
      return;
    }
    if (!have_header) {
      have_header = true;
      if (FindCsvColumns(last_comment, &cols)) {
        // Header came from the comment; this line is data.
      } else if (FindCsvColumns(t, &cols)) {
        return;  // this line is the header
      } else {
        report->Reject(n, "no CSV header naming an indicator column", t);
        return;
      }
    }
    if (cols.value < 0) {
      report->Reject(n, "no CSV header naming an indicator column", t);
      return;
    }
    std::vector<std::string_view> fields = SplitCsv(t);
    if (int(fields.size()) <= cols.value) {
      report->Reject(n, "too few CSV columns", t);
      return;
    }
    std::string_view value = Trim(fields[cols.value]);
    IntelCategory cat = category;
    if (cols.threat >= 0 && int(fields.size()) > cols.threat) {
      cat = ThreatTypeCategory(Trim(fields[cols.threat]), category);
    }
    if (cols.ioc_type >= 0 && int(fields.size()) > cols.ioc_type) {
      std::string_view type = Trim(fields[cols.ioc_type]);
      if (type == "md5_hash" || type == "sha1_hash") {
        report->Skip("md5 or sha1 hash");
        return;
      }
    }
    feed_internal::HandleToken(value, n, cat, sink, report);
  });
}

struct Signals {
  int lines = 0;
  int hosts = 0, adblock = 0, suricata = 0, maltrail = 0, dataplane = 0;
};

bool IsHostsAddress(std::string_view s) {
  return s == "0.0.0.0" || s == "127.0.0.1" || s == "::" || s == "::1" ||
         s == "0";
}

}  // namespace

std::string_view FeedFormatName(FeedFormat format) {
  size_t i = static_cast<size_t>(format);
  return i < kFeedFormatCount ? kFormatNames[i] : "unknown";
}

bool ParseFeedFormat(std::string_view name, FeedFormat* out) {
  for (int i = 0; i < kFeedFormatCount; ++i) {
    if (name == kFormatNames[i]) {
      *out = static_cast<FeedFormat>(i);
      return true;
    }
  }
  return false;
}

size_t FeedReport::accepted_total() const {
  size_t total = 0;
  for (size_t n : accepted) total += n;
  return total;
}

void FeedReport::Reject(size_t line, std::string_view reason,
                        std::string_view text) {
  ++rejected;
  if (errors.size() >= kMaxReportedErrors) return;
  text = Trim(text);
  std::string excerpt(text.substr(0, 80));
  // Keep messages one printable line whatever the feed holds.
  for (char& c : excerpt) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  errors.push_back({line, std::string(reason), std::move(excerpt)});
}

void FeedReport::Skip(std::string_view reason) {
  ++skipped;
  auto it = skipped_by_reason.find(std::string(reason));
  if (it != skipped_by_reason.end()) {
    ++it->second;
  } else if (skipped_by_reason.size() < kMaxSkipReasons) {
    skipped_by_reason.emplace(std::string(reason), 1);
  } else {
    ++skipped_by_reason["other"];
  }
}

std::string FeedReport::Format(const FeedLineError& e) const {
  std::string out = source + ":";
  if (e.line > 0) out += std::to_string(e.line) + ":";
  out += " " + e.reason;
  if (!e.excerpt.empty()) out += ": " + e.excerpt;
  return out;
}

namespace feed_internal {

void Emit(Indicator* ind, IntelCategory category, IndicatorSink* sink,
          FeedReport* report) {
  if (category == IntelCategory::kUnknown &&
      ind->kind == IndicatorKind::kSha256) {
    category = IntelCategory::kMalware;
  }
  ind->category = category;
  if (!report->keep_special) {
    switch (CheckHygiene(*ind)) {
      case HygieneVerdict::kKeep:
        break;
      case HygieneVerdict::kSpecialRange:
        ++report->dropped_special;
        return;
      case HygieneVerdict::kSinkAddress:
        ++report->dropped_sink;
        return;
    }
  }
  ++report->accepted[static_cast<int>(ind->kind)];
  sink->Add(*ind);
}

void HandleToken(std::string_view token, size_t line, IntelCategory category,
                 IndicatorSink* sink, FeedReport* report) {
  Indicator ind;
  std::string reason;
  TokenClass c = ClassifyToken(token, &ind, &reason);
  if (c == TokenClass::kIndicator) {
    Emit(&ind, category, sink, report);
  } else if (c == TokenClass::kInvalid) {
    report->Reject(line, reason, token);
  } else {
    report->Skip(SkipReason(c));
  }
}

}  // namespace feed_internal

bool DetectFeedFormat(std::string_view text, FeedFormat* out,
                      std::string* why) {
  text = StripBom(text);
  std::string_view body = Trim(text);
  if (body.empty()) {
    *out = FeedFormat::kPlain;  // an empty list is a valid plain feed
    return true;
  }
  if (body.find('\0') != std::string_view::npos) {
    *why = "binary data (NUL bytes), not a feed";
    return false;
  }
  bool json = body[0] == '{';
  if (body[0] == '[') {  // a JSON array, or "[Adblock Plus 2.0]"
    std::string_view after = Trim(body.substr(1));
    json = !after.empty() && (after[0] == '{' || after[0] == ']');
  }
  if (json) {
    // Newline-delimited JSON (Spamhaus ASN-DROP) is one object per line.
    size_t nl = body.find('\n');
    if (body[0] == '{' && nl != std::string_view::npos &&
        Trim(body.substr(0, nl)).ends_with('}') &&
        Trim(body.substr(nl)).starts_with('{')) {
      *why = "newline-delimited JSON (one object per line) is not supported";
      return false;
    }
    std::string_view head = body.substr(0, 4096);
    if (body.find("\"Attribute\"") != std::string_view::npos ||
        head.find("\"Event\"") != std::string_view::npos) {
      *out = FeedFormat::kMisp;
    } else if (head.find("\"bundle\"") != std::string_view::npos ||
               head.find("\"spec_version\"") != std::string_view::npos ||
               head.find("\"indicator\"") != std::string_view::npos) {
      *out = FeedFormat::kStix;
    } else {
      static constexpr std::string_view kAbuseChKeys[] = {
          "\"ip_address\"",  "\"ioc_value\"",  "\"ioc\"",         "\"dst_ip\"",
          "\"sha256_hash\"", "\"url_status\"", "\"query_status\""};
      bool abusech = false;
      for (std::string_view k : kAbuseChKeys) {
        abusech |= head.find(k) != std::string_view::npos;
      }
      if (!abusech) {
        *why =
            "JSON that is neither a STIX bundle, a MISP event nor abuse.ch "
            "JSON";
        return false;
      }
      *out = FeedFormat::kJson;
    }
    return true;
  }
  Signals sig;
  std::string_view last_comment;
  bool first_data = true;
  FeedFormat decided = FeedFormat::kPlain;
  bool have_decision = false;
  ForEachLine(body, [&](size_t, std::string_view line) {
    if (have_decision || sig.lines >= 400) return;
    line = Trim(line);
    if (line.empty()) return;
    if (line.starts_with("[Adblock") || line.starts_with("! Title:")) {
      decided = FeedFormat::kAdblock, have_decision = true;
      return;
    }
    if (line[0] == '#' || line[0] == ';' || line[0] == '!') {
      if (line.find("Maltrail") != std::string_view::npos) {
        decided = FeedFormat::kMaltrail, have_decision = true;
      } else if (line.find("DataPlane.org") != std::string_view::npos) {
        decided = FeedFormat::kDataplane, have_decision = true;
      } else if (line[0] == '#' && line.starts_with("#alert ")) {
        ++sig.suricata, ++sig.lines;
      }
      if (line[0] == '#') last_comment = Trim(line.substr(1));
      if (line[0] == '!') ++sig.adblock;
      return;
    }
    if (first_data) {
      first_data = false;
      CsvColumns cols;
      if ((last_comment.find(',') != std::string_view::npos &&
           FindCsvColumns(last_comment, &cols)) ||
          (line.find(',') != std::string_view::npos &&
           FindCsvColumns(line, &cols))) {
        decided = FeedFormat::kCsv, have_decision = true;
        return;
      }
    }
    ++sig.lines;
    std::vector<std::string_view> tok = Tokens(line, 3);
    if (tok.empty()) return;  // only separators
    if (line.starts_with("||") || line.starts_with("@@")) ++sig.adblock;
    if (tok.size() >= 2 && IsHostsAddress(tok[0])) {
      uint32_t ignored;
      if (!ParseIpv4(tok[1], &ignored)) ++sig.hosts;
    }
    if ((tok[0] == "alert" || tok[0] == "drop" || tok[0] == "pass" ||
         tok[0] == "reject") &&
        line.find("->") != std::string_view::npos) {
      ++sig.suricata;
    }
    // Maltrail's own shapes: URL paths and "ip:port".
    size_t colon = tok[0].find(':');
    uint32_t ignored_ip;
    if (line[0] == '/' ||
        (colon != std::string_view::npos &&
         tok[0].find(':', colon + 1) == std::string_view::npos &&
         ParseIpv4(tok[0].substr(0, colon), &ignored_ip))) {
      ++sig.maltrail;
    }
    if (std::count(line.begin(), line.end(), '|') >= 3 &&
        !line.starts_with("||")) {
      ++sig.dataplane;
    }
  });
  if (have_decision) {
    *out = decided;
    return true;
  }
  int half = (sig.lines + 1) / 2;
  if (sig.suricata > 0 && sig.suricata >= half) {
    *out = FeedFormat::kSuricata;
  } else if (sig.adblock > 0 && sig.adblock >= sig.hosts) {
    *out = FeedFormat::kAdblock;
  } else if (sig.hosts > 0 && sig.hosts >= half) {
    *out = FeedFormat::kHosts;
  } else if (sig.dataplane > 0 && sig.dataplane >= half) {
    *out = FeedFormat::kDataplane;
  } else if (sig.maltrail > 0) {
    *out = FeedFormat::kMaltrail;
  } else {
    *out = FeedFormat::kPlain;
  }
  return true;
}

void ParseFeed(std::string_view text, FeedFormat format,
               IntelCategory default_category, IndicatorSink* sink,
               FeedReport* report) {
  report->format = format;
  text = StripBom(text);
  switch (format) {
    case FeedFormat::kPlain:
      return ParsePlain(text, default_category, sink, report);
    case FeedFormat::kHosts:
      return ParseHosts(text, default_category, sink, report);
    case FeedFormat::kAdblock:
      return ParseAdblock(text, default_category, sink, report);
    case FeedFormat::kMaltrail:
      return ParseMaltrail(text, default_category, sink, report);
    case FeedFormat::kCsv:
      return ParseCsv(text, default_category, sink, report);
    case FeedFormat::kSuricata:
      return ParseSuricata(text, default_category, sink, report);
    case FeedFormat::kDataplane:
      return ParseDataplane(text, default_category, sink, report);
    case FeedFormat::kJson:
    case FeedFormat::kStix:
    case FeedFormat::kMisp:
      return feed_internal::ParseJsonFeed(text, format, default_category, sink,
                                          report);
  }
}

}  // namespace picket
