#include "collectors/net/dns.h"

#include <cstring>
#include <iterator>
#include <string>
#include <utility>

namespace picket {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxWireName = 255;  // RFC 1035 section 3.1
// A name of 255 bytes has at most 127 labels; a pointer before each is the
// most any sane encoder writes.
constexpr int kMaxPointers = 128;
constexpr size_t kFixedRecordFields = 10;  // type, class, ttl, rdlength

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kClassIn = 1;

uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// Appends one label in presentation form: lowercase, with the bytes that
// would make the text ambiguous escaped as dig prints them ("\." and
// "\DDD"), so that a label "evil.com" cannot pass for two labels.
void AppendLabel(const uint8_t* label, size_t len, std::string* out) {
  for (size_t i = 0; i < len; ++i) {
    const uint8_t c = label[i];
    if (c >= 'A' && c <= 'Z') {
      out->push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == '.' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c <= ' ' || c >= 0x7f) {
      out->push_back('\\');
      out->push_back(static_cast<char>('0' + c / 100));
      out->push_back(static_cast<char>('0' + c / 10 % 10));
      out->push_back(static_cast<char>('0' + c % 10));
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

// Reads the (possibly compressed) name at `*offset`. The name's own bytes
// must end before `limit`; on success `*offset` moves past them. A pointer
// must point before the run of labels it ends, so that following pointers
// always moves towards the start of the message and cannot loop.
Status ReadName(const uint8_t* msg, size_t len, size_t limit, size_t* offset,
                std::string* name) {
  name->clear();
  size_t at = *offset;
  size_t run_start = at;   // first byte of the labels being read
  size_t end = limit;      // bound for the current run
  size_t wire_length = 1;  // the root label
  int pointers = 0;
  bool jumped = false;
  while (true) {
    if (at >= end) return Status::Corruption("name runs past the end");
    const uint8_t b = msg[at];
    if (b == 0) {
      if (!jumped) *offset = at + 1;
      return Status::Ok();
    }
    if ((b & 0xc0) == 0xc0) {
      if (at + 1 >= end) return Status::Corruption("name runs past the end");
      const size_t target = static_cast<size_t>(b & 0x3f) << 8 | msg[at + 1];
      if (target > at) return Status::Corruption("name pointer points forward");
      if (target >= run_start) return Status::Corruption("name pointer loops");
      if (++pointers > kMaxPointers) {
        return Status::Corruption("name has too many pointers");
      }
      if (!jumped) *offset = at + 2;
      jumped = true;
      // Earlier bytes of the message are all in bounds; `target < at`.
      end = len;
      at = run_start = target;
      continue;
    }
    if (b > kMaxLabel) {
      return Status::Corruption("name label length " + std::to_string(b) +
                                " is over 63");
    }
    wire_length += 1 + b;
    if (wire_length > kMaxWireName) {
      return Status::Corruption("name is longer than 255 bytes");
    }
    if (at + 1 + b > end) return Status::Corruption("name runs past the end");
    if (!name->empty()) name->push_back('.');
    AppendLabel(msg + at + 1, b, name);
    at += 1 + b;
  }
}

// Parses one question entry, keeping the first one's name and type.
Status ReadQuestion(const uint8_t* msg, size_t len, size_t* offset, bool keep,
                    DnsMessage* out) {
  std::string name;
  PICKET_RETURN_IF_ERROR(ReadName(msg, len, len, offset, &name));
  if (len - *offset < 4) return Status::Corruption("truncated after name");
  if (keep) {
    out->question = std::move(name);
    out->qtype = Load16(msg + *offset);
  }
  *offset += 4;
  return Status::Ok();
}

// Parses one resource record; appends it to `out->answers` when it is an
// A, AAAA or CNAME of class IN.
Status ReadAnswer(const uint8_t* msg, size_t len, size_t* offset,
                  DnsMessage* out) {
  DnsRecord record;
  PICKET_RETURN_IF_ERROR(ReadName(msg, len, len, offset, &record.name));
  if (len - *offset < kFixedRecordFields) {
    return Status::Corruption("truncated after name");
  }
  const uint8_t* fields = msg + *offset;
  record.type = Load16(fields);
  // mDNS reuses the top bit of the class as "cache flush".
  const uint16_t record_class = Load16(fields + 2) & 0x7fff;
  record.ttl = Load32(fields + 4);
  const size_t rdlength = Load16(fields + 8);
  const size_t rdata = *offset + kFixedRecordFields;
  if (len - rdata < rdlength) {
    return Status::Corruption("rdata of " + std::to_string(rdlength) +
                              " bytes runs past the end");
  }
  *offset = rdata + rdlength;
  if (record_class != kClassIn) return Status::Ok();
  switch (record.type) {
    case kTypeA:
      if (rdlength != 4) {
        return Status::Corruption("A rdata is " + std::to_string(rdlength) +
                                  " bytes, not 4");
      }
      record.address.family = 4;
      std::memcpy(record.address.bytes.data(), msg + rdata, 4);
      break;
    case kTypeAaaa:
      if (rdlength != 16) {
        return Status::Corruption("AAAA rdata is " + std::to_string(rdlength) +
                                  " bytes, not 16");
      }
      record.address.family = 6;
      std::memcpy(record.address.bytes.data(), msg + rdata, 16);
      break;
    case kTypeCname: {
      size_t at = rdata;
      Status st = ReadName(msg, len, rdata + rdlength, &at, &record.target);
      if (!st.ok()) return st.WithContext("CNAME target");
      if (at != rdata + rdlength) {
        return Status::Corruption("CNAME rdata is longer than its name");
      }
      break;
    }
    default:
      return Status::Ok();
  }
  out->answers.push_back(std::move(record));
  return Status::Ok();
}

}  // namespace

Status ParseDnsMessage(const uint8_t* data, size_t len, DnsMessage* out) {
  *out = DnsMessage();
  if (len < kHeaderSize) {
    return Status::Corruption("header: message is " + std::to_string(len) +
                              " bytes, shorter than 12");
  }
  out->id = Load16(data);
  const uint16_t flags = Load16(data + 2);
  out->is_response = (flags & 0x8000) != 0;
  out->opcode = static_cast<uint8_t>(flags >> 11 & 0x0f);
  out->truncated = (flags & 0x0200) != 0;
  out->rcode = static_cast<uint8_t>(flags & 0x0f);
  const unsigned questions = Load16(data + 4);
  const unsigned answers = Load16(data + 6);

  size_t offset = kHeaderSize;
  for (unsigned i = 0; i < questions; ++i) {
    Status st = ReadQuestion(data, len, &offset, i == 0, out);
    if (!st.ok()) {
      return st.WithContext("question " + std::to_string(i + 1));
    }
  }
  for (unsigned i = 0; i < answers; ++i) {
    Status st = ReadAnswer(data, len, &offset, out);
    if (!st.ok()) return st.WithContext("answer " + std::to_string(i + 1));
  }
  return Status::Ok();
}

std::string DnsTypeName(uint16_t type) {
  struct Name {
    uint16_t type;
    const char* name;
  };
  static constexpr Name kNames[] = {
      {1, "A"},      {2, "NS"},          {5, "CNAME"},    {6, "SOA"},
      {12, "PTR"},   {13, "HINFO"},      {15, "MX"},      {16, "TXT"},
      {17, "RP"},    {18, "AFSDB"},      {24, "SIG"},     {25, "KEY"},
      {28, "AAAA"},  {29, "LOC"},        {33, "SRV"},     {35, "NAPTR"},
      {36, "KX"},    {37, "CERT"},       {39, "DNAME"},   {41, "OPT"},
      {42, "APL"},   {43, "DS"},         {44, "SSHFP"},   {45, "IPSECKEY"},
      {46, "RRSIG"}, {47, "NSEC"},       {48, "DNSKEY"},  {49, "DHCID"},
      {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},    {53, "SMIMEA"},
      {55, "HIP"},   {59, "CDS"},        {60, "CDNSKEY"}, {61, "OPENPGPKEY"},
      {62, "CSYNC"}, {63, "ZONEMD"},     {64, "SVCB"},    {65, "HTTPS"},
      {99, "SPF"},   {249, "TKEY"},      {250, "TSIG"},   {251, "IXFR"},
      {252, "AXFR"}, {255, "ANY"},       {256, "URI"},    {257, "CAA"},
  };
  for (const Name& n : kNames) {
    if (n.type == type) return n.name;
  }
  return std::to_string(type);
}

std::string DnsRcodeName(uint8_t rcode) {
  static constexpr const char* kNames[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                           "NXDOMAIN", "NOTIMP",  "REFUSED"};
  if (rcode < std::size(kNames)) return kNames[rcode];
  return std::to_string(rcode);
}

}  // namespace picket
