#include "collectors/net/dns.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace picket {
namespace {

using Bytes = std::vector<uint8_t>;

// --- Message builder -----------------------------------------------------

void Put16(Bytes* b, uint16_t v) {
  b->push_back(static_cast<uint8_t>(v >> 8));
  b->push_back(static_cast<uint8_t>(v));
}

void Put32(Bytes* b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}

void Put(Bytes* b, std::initializer_list<uint8_t> bytes) {
  b->insert(b->end(), bytes);
}

// "www.Example.com" as uncompressed labels; "" is the root.
void PutName(Bytes* b, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    b->push_back(static_cast<uint8_t>(dot - start));
    b->insert(b->end(), name.begin() + static_cast<long>(start),
              name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b->push_back(0);
}

void PutPointer(Bytes* b, uint16_t offset) { Put16(b, 0xc000 | offset); }

Bytes Header(uint16_t id, uint16_t flags, uint16_t questions, uint16_t answers,
             uint16_t authority = 0, uint16_t additional = 0) {
  Bytes b;
  for (uint16_t v : {id, flags, questions, answers, authority, additional}) {
    Put16(&b, v);
  }
  return b;
}

// Type, class IN, TTL and rdata after an owner name already written.
void PutRecordTail(Bytes* b, uint16_t type, uint32_t ttl, const Bytes& rdata) {
  Put16(b, type);
  Put16(b, 1);
  Put32(b, ttl);
  Put16(b, static_cast<uint16_t>(rdata.size()));
  b->insert(b->end(), rdata.begin(), rdata.end());
}

constexpr uint16_t kResponseFlags = 0x8180;  // QR, RD, RA, NOERROR
constexpr uint16_t kQuestionOffset = 12;

// Parses a private copy so that the sanitizers catch reads past the end.
Status Parse(const Bytes& message, DnsMessage* out) {
  std::unique_ptr<uint8_t[]> copy(
      new uint8_t[message.empty() ? 1 : message.size()]);
  if (!message.empty()) {
    std::memcpy(copy.get(), message.data(), message.size());
  }
  return ParseDnsMessage(copy.get(), message.size(), out);
}

Bytes FromHex(const std::string& hex) {
  Bytes b;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    b.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return b;
}

// --- Well-formed responses ---------------------------------------------

TEST(DnsParseMessageTest, ARecords) {
  Bytes m = Header(0xbeef, kResponseFlags, 1, 2);
  PutName(&m, "Example.COM");
  Put(&m, {0, 1, 0, 1});
  PutPointer(&m, kQuestionOffset);
  PutRecordTail(&m, 1, 300, {93, 184, 216, 34});
  PutPointer(&m, kQuestionOffset);
  PutRecordTail(&m, 1, 300, {93, 184, 216, 35});

  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_EQ(msg.id, 0xbeef);
  EXPECT_TRUE(msg.is_response);
  EXPECT_EQ(msg.opcode, 0);
  EXPECT_EQ(msg.rcode, 0);
  EXPECT_FALSE(msg.truncated);
  EXPECT_EQ(msg.question, "example.com");
  EXPECT_EQ(msg.qtype, 1);
  ASSERT_EQ(msg.answers.size(), 2u);
  EXPECT_EQ(msg.answers[0].name, "example.com");
  EXPECT_EQ(msg.answers[0].type, 1);
  EXPECT_EQ(msg.answers[0].ttl, 300u);
  EXPECT_EQ(msg.answers[0].address.ToString(), "93.184.216.34");
  EXPECT_EQ(msg.answers[1].address.ToString(), "93.184.216.35");
  EXPECT_TRUE(msg.answers[0].target.empty());
}

TEST(DnsParseMessageTest, AaaaRecord) {
  Bytes m = Header(7, kResponseFlags, 1, 1);
  PutName(&m, "ipv6.example.net");
  Put(&m, {0, 28, 0, 1});
  PutPointer(&m, kQuestionOffset);
  PutRecordTail(
      &m, 28, 60,
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x01});
  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_EQ(msg.qtype, 28);
  ASSERT_EQ(msg.answers.size(), 1u);
  EXPECT_EQ(msg.answers[0].type, 28);
  EXPECT_EQ(msg.answers[0].address.ToString(), "2001:db8::1001");
}

// Modelled on a real answer for www.microsoft.com: two CNAMEs, then the A
// record, each name compressed against the previous one.
TEST(DnsParseMessageTest, CnameChainWithCompression) {
  Bytes m = Header(0x1a2c, kResponseFlags, 1, 3);
  PutName(&m, "www.microsoft.com");
  Put(&m, {0, 1, 0, 1});
  // Answer 1: www.microsoft.com CNAME www.microsoft.com-c-3.edgekey.net
  PutPointer(&m, kQuestionOffset);
  const uint16_t target1 = static_cast<uint16_t>(m.size() + 10);
  Bytes rdata1;
  PutName(&rdata1, "www.microsoft.com-c-3.edgekey.net");
  PutRecordTail(&m, 5, 3600, rdata1);
  // Answer 2: ... CNAME e13678.dscb.akamaiedge.net ("net" compressed).
  PutPointer(&m, target1);
  const uint16_t target2 = static_cast<uint16_t>(m.size() + 10);
  const uint16_t net = static_cast<uint16_t>(target1 + 4 + 10 + 8 + 8);
  Bytes rdata2 = {6,  'e', '1', '3', '6', '7', '8', 4,   'd', 's', 'c', 'b',
                  10, 'a', 'k', 'a', 'm', 'a', 'i', 'e', 'd', 'g', 'e'};
  Put16(&rdata2, 0xc000 | net);
  PutRecordTail(&m, 5, 900, rdata2);
  // Answer 3: e13678.dscb.akamaiedge.net A 23.50.120.11
  PutPointer(&m, target2);
  PutRecordTail(&m, 1, 20, {23, 50, 120, 11});

  DnsMessage msg;
  const Status st = Parse(m, &msg);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(msg.question, "www.microsoft.com");
  ASSERT_EQ(msg.answers.size(), 3u);
  EXPECT_EQ(msg.answers[0].name, "www.microsoft.com");
  EXPECT_EQ(msg.answers[0].type, 5);
  EXPECT_EQ(msg.answers[0].ttl, 3600u);
  EXPECT_EQ(msg.answers[0].target, "www.microsoft.com-c-3.edgekey.net");
  EXPECT_EQ(msg.answers[1].name, "www.microsoft.com-c-3.edgekey.net");
  EXPECT_EQ(msg.answers[1].target, "e13678.dscb.akamaiedge.net");
  EXPECT_EQ(msg.answers[2].name, "e13678.dscb.akamaiedge.net");
  EXPECT_EQ(msg.answers[2].type, 1);
  EXPECT_EQ(msg.answers[2].address.ToString(), "23.50.120.11");
}

TEST(DnsParseMessageTest, OtherTypesAndClassesAreSkipped) {
  Bytes m = Header(1, kResponseFlags, 1, 4);
  PutName(&m, "example.org");
  Put(&m, {0, 15, 0, 1});
  PutPointer(&m, kQuestionOffset);
  PutRecordTail(&m, 15, 10, {0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12});  // MX
  PutPointer(&m, kQuestionOffset);
  PutRecordTail(&m, 16, 10, {3, 'a', '=', 'b'});  // TXT
  // An A record of class CH (3) is not an address.
  PutPointer(&m, kQuestionOffset);
  Put(&m, {0, 1, 0, 3, 0, 0, 0, 1, 0, 4, 10, 0, 0, 1});
  // mDNS sets the top bit of the class ("cache flush"): still IN.
  PutPointer(&m, kQuestionOffset);
  Put(&m, {0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 192, 168, 1, 9});
  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_EQ(msg.qtype, 15);
  ASSERT_EQ(msg.answers.size(), 1u);
  EXPECT_EQ(msg.answers[0].address.ToString(), "192.168.1.9");
}

TEST(DnsParseMessageTest, NxdomainWithAuthority) {
  Bytes m = Header(0x4242, 0x8183, 1, 0, 1);
  PutName(&m, "does-not-exist.example");
  Put(&m, {0, 1, 0, 1});
  // The SOA in the authority section is not looked at.
  PutPointer(&m, kQuestionOffset + 15);
  PutRecordTail(&m, 6, 3600, Bytes(30, 0));
  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_EQ(msg.rcode, 3);
  EXPECT_EQ(DnsRcodeName(msg.rcode), "NXDOMAIN");
  EXPECT_EQ(msg.question, "does-not-exist.example");
  EXPECT_TRUE(msg.answers.empty());
}

TEST(DnsParseMessageTest, QueryFlagsAndRootName) {
  // A truncated (TC) response to a priming query for the root's NS set,
  // opcode 0; then a NOTIFY (opcode 4) query.
  Bytes m = Header(9, 0x8380, 1, 0);
  PutName(&m, "");
  Put(&m, {0, 2, 0, 1});
  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_TRUE(msg.truncated);
  EXPECT_EQ(msg.question, "");
  EXPECT_EQ(msg.qtype, 2);

  Bytes notify = Header(10, 0x2000, 1, 0);
  PutName(&notify, "zone.example");
  Put(&notify, {0, 6, 0, 1});
  ASSERT_TRUE(Parse(notify, &msg).ok());
  EXPECT_FALSE(msg.is_response);
  EXPECT_EQ(msg.opcode, 4);
  EXPECT_FALSE(msg.truncated);
}

TEST(DnsParseMessageTest, NoQuestion) {
  DnsMessage msg;
  ASSERT_TRUE(Parse(Header(1, 0x8180, 0, 0), &msg).ok());
  EXPECT_EQ(msg.question, "");
  EXPECT_EQ(msg.qtype, 0);
}

TEST(DnsParseMessageTest, OddLabelBytesAreEscaped) {
  // A label holding a dot must not read as two labels.
  Bytes m = Header(1, 0x0100, 1, 0);
  Put(&m, {8, 'e', 'v', 'i', 'l', '.', 'C', 'O', 'M', 3, 'a', '\\', 0x07, 0});
  Put(&m, {0, 1, 0, 1});
  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_EQ(msg.question, "evil\\.com.a\\\\\\007");
}

TEST(DnsParseMessageTest, LongestNames) {
  // 255 bytes on the wire: three 63-byte labels, one 61-byte label.
  std::string name = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                     std::string(63, 'c') + "." + std::string(61, 'd');
  Bytes m = Header(1, 0x0100, 1, 0);
  PutName(&m, name);
  Put(&m, {0, 1, 0, 1});
  DnsMessage msg;
  const Status st = Parse(m, &msg);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(msg.question, name);
}

// Captured on this machine: the sandbox resolver's answer to an A query
// for www.microsoft.com (it answers NXDOMAIN for everything).
TEST(DnsParseMessageTest, RealResolverResponse) {
  const Bytes m = FromHex(
      "1a2c81830001000000000000037777770"
      "96d6963726f736f667403636f6d0000010001");
  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_EQ(msg.id, 0x1a2c);
  EXPECT_TRUE(msg.is_response);
  EXPECT_EQ(DnsRcodeName(msg.rcode), "NXDOMAIN");
  EXPECT_EQ(msg.question, "www.microsoft.com");
  EXPECT_EQ(DnsTypeName(msg.qtype), "A");
  EXPECT_TRUE(msg.answers.empty());
}

// From zeek-traces/nmap-vsn.pcap (frame 542): nmap's reverse lookup answer.
TEST(DnsParseMessageTest, RealCapturedPtrResponse) {
  const Bytes m = FromHex(
      "11bf85830001000000000000013101310331363803313932"
      "07696e2d61646472046172706100000c0001");
  DnsMessage msg;
  ASSERT_TRUE(Parse(m, &msg).ok());
  EXPECT_EQ(msg.id, 0x11bf);
  EXPECT_EQ(msg.rcode, 3);
  EXPECT_EQ(msg.question, "1.1.168.192.in-addr.arpa");
  EXPECT_EQ(DnsTypeName(msg.qtype), "PTR");
}

// --- Malformed messages ------------------------------------------------

struct Malformed {
  const char* name;
  Bytes message;
  const char* error;
};

std::vector<Malformed> MalformedMessages() {
  std::vector<Malformed> cases;
  cases.push_back({"short header", Bytes(11, 0),
                   "header: message is 11 bytes, shorter than 12"});
  {
    // The answer's owner name points at itself.
    Bytes m = Header(1, kResponseFlags, 1, 1);
    PutName(&m, "a.example");
    Put(&m, {0, 1, 0, 1});
    const uint16_t self = static_cast<uint16_t>(m.size());
    PutPointer(&m, self);
    PutRecordTail(&m, 1, 1, {1, 2, 3, 4});
    cases.push_back({"pointer to itself", m, "answer 1: name pointer loops"});
  }
  {
    // A label, then a pointer back to that label: a two-step loop.
    Bytes m = Header(1, kResponseFlags, 1, 1);
    PutName(&m, "a.example");
    Put(&m, {0, 1, 0, 1});
    const uint16_t label = static_cast<uint16_t>(m.size());
    Put(&m, {1, 'x'});
    PutPointer(&m, label);
    PutRecordTail(&m, 1, 1, {1, 2, 3, 4});
    cases.push_back({"pointer loop", m, "answer 1: name pointer loops"});
  }
  {
    // A label, then a pointer to the question type after it.
    Bytes m = Header(1, 0x0100, 1, 0);
    Put(&m, {1, 'a'});
    PutPointer(&m, 16);
    Put(&m, {0, 1, 0, 1});
    cases.push_back(
        {"forward pointer", m, "question 1: name pointer points forward"});
  }
  {
    Bytes m = Header(1, 0x0100, 1, 0);
    Put(&m, {64});
    m.insert(m.end(), 64, 'a');
    Put(&m, {0, 0, 1, 0, 1});
    cases.push_back(
        {"label over 63", m, "question 1: name label length 64 is over 63"});
  }
  {
    Bytes m = Header(1, 0x0100, 1, 0);
    Put(&m, {0x80, 0x01, 0, 0, 1, 0, 1});
    cases.push_back({"reserved label type", m,
                     "question 1: name label length 128 is over 63"});
  }
  {
    // Five 63-byte labels: 321 bytes on the wire.
    Bytes m = Header(1, 0x0100, 1, 0);
    for (int i = 0; i < 5; ++i) {
      m.push_back(63);
      m.insert(m.end(), 63, 'x');
    }
    Put(&m, {0, 0, 1, 0, 1});
    cases.push_back(
        {"name over 255", m, "question 1: name is longer than 255 bytes"});
  }
  {
    // 256 bytes on the wire, the last label reached through a pointer.
    Bytes m = Header(1, 0x0100, 2, 0);
    Put(&m, {62});
    m.insert(m.end(), 62, 't');
    Put(&m, {0, 0, 1, 0, 1});
    for (int i = 0; i < 3; ++i) {
      m.push_back(63);
      m.insert(m.end(), 63, 'h');
    }
    PutPointer(&m, kQuestionOffset);
    Put(&m, {0, 1, 0, 1});
    cases.push_back({"compressed name over 255", m,
                     "question 2: name is longer than 255 bytes"});
  }
  {
    Bytes m = Header(1, kResponseFlags, 1, 1);
    PutName(&m, "a.example");
    Put(&m, {0, 1, 0, 1});
    PutPointer(&m, kQuestionOffset);
    Put(&m, {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0});  // 2 of 4 rdata bytes
    cases.push_back(
        {"truncated rdata", m, "answer 1: rdata of 4 bytes runs past the end"});
  }
  {
    Bytes m = Header(1, kResponseFlags, 1, 1);
    PutName(&m, "a.example");
    Put(&m, {0, 1, 0, 1});
    PutPointer(&m, kQuestionOffset);
    PutRecordTail(&m, 1, 60, {10, 0, 0, 1, 0});
    cases.push_back({"A of 5 bytes", m, "answer 1: A rdata is 5 bytes, not 4"});
  }
  {
    Bytes m = Header(1, kResponseFlags, 1, 1);
    PutName(&m, "a.example");
    Put(&m, {0, 28, 0, 1});
    PutPointer(&m, kQuestionOffset);
    PutRecordTail(&m, 28, 60, {10, 0, 0, 1});
    cases.push_back(
        {"AAAA of 4 bytes", m, "answer 1: AAAA rdata is 4 bytes, not 16"});
  }
  {
    // The CNAME's name runs on past its rdata into the next bytes.
    Bytes m = Header(1, kResponseFlags, 1, 1);
    PutName(&m, "a.example");
    Put(&m, {0, 5, 0, 1});
    PutPointer(&m, kQuestionOffset);
    PutRecordTail(&m, 5, 60, {3, 'w', 'w', 'w'});
    Put(&m, {0});
    cases.push_back({"CNAME past rdata", m,
                     "answer 1: CNAME target: name runs past the end"});
  }
  {
    Bytes m = Header(1, kResponseFlags, 1, 1);
    PutName(&m, "a.example");
    Put(&m, {0, 5, 0, 1});
    PutPointer(&m, kQuestionOffset);
    PutRecordTail(&m, 5, 60, {1, 'b', 0, 0xff});
    cases.push_back({"CNAME with trailing bytes", m,
                     "answer 1: CNAME rdata is longer than its name"});
  }
  {
    Bytes m = Header(1, 0x0100, 1, 0);
    PutName(&m, "a.example");
    Put(&m, {0, 1, 0});
    cases.push_back(
        {"question without class", m, "question 1: truncated after name"});
  }
  {
    Bytes m = Header(1, kResponseFlags, 1, 2);
    PutName(&m, "a.example");
    Put(&m, {0, 1, 0, 1});
    PutPointer(&m, kQuestionOffset);
    PutRecordTail(&m, 1, 60, {10, 0, 0, 1});
    cases.push_back({"missing answer", m, "answer 2: name runs past the end"});
  }
  {
    Bytes m = Header(1, kResponseFlags, 1, 0);
    Put(&m, {9, 'u', 'n', 'f', 'i', 'n'});
    cases.push_back(
        {"label past the end", m, "question 1: name runs past the end"});
  }
  return cases;
}

TEST(DnsParseMessageTest, MalformedMessagesAreRejected) {
  for (const Malformed& c : MalformedMessages()) {
    DnsMessage msg;
    const Status st = Parse(c.message, &msg);
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.code(), Status::Code::kCorruption) << c.name;
    EXPECT_EQ(st.message(), c.error) << c.name;
  }
}

TEST(DnsParseMessageTest, LongPointerChainsAreCut) {
  Bytes m = Header(1, kResponseFlags, 1, 2);
  PutName(&m, "x");
  Put(&m, {0, 1, 0, 1});
  // Answer 1, of a type that is skipped, carries 200 pointers, each to the
  // one before it, the first to the question.
  PutPointer(&m, kQuestionOffset);
  Bytes chain;
  uint16_t previous = kQuestionOffset;
  const size_t rdata = m.size() + 10;
  for (int i = 0; i < 200; ++i) {
    PutPointer(&chain, previous);
    previous = static_cast<uint16_t>(rdata + 2 * i);
  }
  PutRecordTail(&m, 99, 1, chain);
  // Answer 2 is owned by the end of the chain.
  PutPointer(&m, previous);
  PutRecordTail(&m, 1, 1, {1, 2, 3, 4});
  DnsMessage msg;
  const Status st = Parse(m, &msg);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "answer 2: name has too many pointers");
}

TEST(DnsParseMessageTest, EveryTruncationFailsCleanly) {
  Bytes m = Header(0x1234, kResponseFlags, 1, 2);
  PutName(&m, "cdn.example.com");
  Put(&m, {0, 1, 0, 1});
  PutPointer(&m, kQuestionOffset);
  PutRecordTail(&m, 5, 60, {4, 'e', 'd', 'g', 'e', 0xc0, 16});
  PutPointer(&m, static_cast<uint16_t>(kQuestionOffset + 17 + 4 + 12));
  PutRecordTail(&m, 1, 60, {198, 51, 100, 1});
  DnsMessage msg;
  const Status full = Parse(m, &msg);
  ASSERT_TRUE(full.ok()) << full.ToString();
  ASSERT_EQ(msg.answers.size(), 2u);
  EXPECT_EQ(msg.answers[0].target, "edge.example.com");
  EXPECT_EQ(msg.answers[1].name, "edge.example.com");
  for (size_t n = 0; n < m.size(); ++n) {
    const Bytes prefix(m.begin(), m.begin() + static_cast<long>(n));
    const Status st = Parse(prefix, &msg);
    EXPECT_FALSE(st.ok()) << n;
    EXPECT_EQ(st.code(), Status::Code::kCorruption) << n;
  }
}

TEST(DnsNamesTest, TypesAndRcodes) {
  EXPECT_EQ(DnsTypeName(1), "A");
  EXPECT_EQ(DnsTypeName(5), "CNAME");
  EXPECT_EQ(DnsTypeName(15), "MX");
  EXPECT_EQ(DnsTypeName(28), "AAAA");
  EXPECT_EQ(DnsTypeName(65), "HTTPS");
  EXPECT_EQ(DnsTypeName(255), "ANY");
  EXPECT_EQ(DnsTypeName(4242), "4242");
  EXPECT_EQ(DnsRcodeName(0), "NOERROR");
  EXPECT_EQ(DnsRcodeName(1), "FORMERR");
  EXPECT_EQ(DnsRcodeName(2), "SERVFAIL");
  EXPECT_EQ(DnsRcodeName(3), "NXDOMAIN");
  EXPECT_EQ(DnsRcodeName(4), "NOTIMP");
  EXPECT_EQ(DnsRcodeName(5), "REFUSED");
  EXPECT_EQ(DnsRcodeName(9), "9");
}

}  // namespace
}  // namespace picket
