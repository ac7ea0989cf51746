// Layout constants of the compiled intel file, version 1.
//
// docs/intel-format.md is the specification; these constants are its code
// form, shared by the compiler (writer) and IntelStore (reader), and
// intel_format_doc_test.cc checks that the two agree. Little-endian
// load/store helpers live here too so both sides encode the same way on any
// host.
#ifndef PICKET_INTEL_INTEL_FORMAT_H_
#define PICKET_INTEL_INTEL_FORMAT_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace picket::intel_format {

inline constexpr char kMagic[8] = {'P', 'K', 'T', 'I', 'N', 'T', 'E', 'L'};
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kHeaderSize = 64;

// Header fields: offset and size in bytes.
inline constexpr size_t kMagicOffset = 0, kMagicSize = 8;
inline constexpr size_t kVersionOffset = 8, kVersionSize = 4;
inline constexpr size_t kHeaderSizeOffset = 12, kHeaderSizeSize = 4;
inline constexpr size_t kChecksumOffset = 16, kChecksumSize = 8;
inline constexpr size_t kFileSizeOffset = 24, kFileSizeSize = 8;
inline constexpr size_t kCreatedOffset = 32, kCreatedSize = 8;
inline constexpr size_t kSectionCountOffset = 40, kSectionCountSize = 4;
inline constexpr size_t kSectionTableOffsetOffset = 44,
                        kSectionTableOffsetSize = 4;
inline constexpr size_t kReservedOffset = 48, kReservedSize = 16;
// The checksum covers [kChecksummedFrom, file_size).
inline constexpr size_t kChecksummedFrom = 24;

// Section table entry: offset and size of each field.
inline constexpr size_t kSectionEntrySize = 32;
inline constexpr size_t kEntryTypeOffset = 0, kEntryTypeSize = 4;
inline constexpr size_t kEntryParamOffset = 4, kEntryParamSize = 4;
inline constexpr size_t kEntryOffsetOffset = 8, kEntryOffsetSize = 8;
inline constexpr size_t kEntrySizeOffset = 16, kEntrySizeSize = 8;
inline constexpr size_t kEntryCountOffset = 24, kEntryCountSize = 8;
inline constexpr size_t kSectionAlignment = 8;

enum SectionType : uint32_t {
  kStrings = 1,
  kFeeds = 2,
  kSourceSets = 3,
  kSourceEntries = 4,
  kIpv4Addrs = 16,
  kIpv4AddrSets = 17,
  kIpv4AddrIndex = 18,
  kIpv4Nets = 19,
  kIpv4Ranges = 20,
  kIpv4RangeIndex = 22,
  kIpv6Addrs = 32,
  kIpv6AddrSets = 33,
  kIpv6Nets = 34,
  kIpv6Ranges = 35,
  kIpv6RangeNets = 36,
  kDomains = 48,
  kDomainSets = 49,
  kSha256 = 64,
  kSha256Sets = 65,
};

struct SectionSpec {
  SectionType type;
  const char* name;
  uint32_t element_size;
};

// Every section of version 1, in the order the compiler writes them.
inline constexpr SectionSpec kSections[] = {
    {kStrings, "STRINGS", 1},
    {kFeeds, "FEEDS", 40},
    {kSourceSets, "SOURCE_SETS", 4},
    {kSourceEntries, "SOURCE_ENTRIES", 4},
    {kIpv4Addrs, "IPV4_ADDRS", 4},
    {kIpv4AddrSets, "IPV4_ADDR_SETS", 2},
    {kIpv4AddrIndex, "IPV4_ADDR_INDEX", 4},
    {kIpv4Nets, "IPV4_NETS", 8},
    {kIpv4Ranges, "IPV4_RANGES", 8},
    {kIpv4RangeIndex, "IPV4_RANGE_INDEX", 4},
    {kIpv6Addrs, "IPV6_ADDRS", 16},
    {kIpv6AddrSets, "IPV6_ADDR_SETS", 2},
    {kIpv6Nets, "IPV6_NETS", 20},
    {kIpv6Ranges, "IPV6_RANGES", 16},
    {kIpv6RangeNets, "IPV6_RANGE_NETS", 4},
    {kDomains, "DOMAINS", 8},
    {kDomainSets, "DOMAIN_SETS", 2},
    {kSha256, "SHA256", 32},
    {kSha256Sets, "SHA256_SETS", 2},
};
inline constexpr size_t kSectionCount =
    sizeof(kSections) / sizeof(kSections[0]);

// FEEDS record.
inline constexpr size_t kFeedRecordSize = 40;
inline constexpr size_t kFeedNameOffset = 0, kFeedNameOffsetSize = 4;
inline constexpr size_t kFeedNameLength = 4, kFeedNameLengthSize = 4;
inline constexpr size_t kFeedCategory = 8, kFeedCategorySize = 1;
inline constexpr size_t kFeedFormat = 9, kFeedFormatSize = 1;
inline constexpr size_t kFeedReserved = 10, kFeedReservedSize = 2;
inline constexpr size_t kFeedIpv4 = 12, kFeedIpv4Size = 4;
inline constexpr size_t kFeedIpv4Nets = 16, kFeedIpv4NetsSize = 4;
inline constexpr size_t kFeedIpv6 = 20, kFeedIpv6Size = 4;
inline constexpr size_t kFeedIpv6Nets = 24, kFeedIpv6NetsSize = 4;
inline constexpr size_t kFeedDomains = 28, kFeedDomainsSize = 4;
inline constexpr size_t kFeedSha256 = 32, kFeedSha256Size = 4;
inline constexpr size_t kFeedRejected = 36, kFeedRejectedSize = 4;

inline constexpr size_t kIpv4NetRecordSize = 8;   // u32 net, u8 len, u8, u16
inline constexpr size_t kIpv6NetRecordSize = 20;  // 16 net, u8 len, u8, u16
inline constexpr uint32_t kNoNet = 0xFFFFFFFFu;
inline constexpr uint32_t kMaxIndexBits = 24;
inline constexpr uint32_t kMaxSourceSets = 0xFFFF;
inline constexpr uint64_t kDomainHashSeed = 0;

// Little-endian loads and stores, independent of host byte order and
// alignment.
template <typename T>
inline T Load(const uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  } else {
    T v = 0;  // p[0] is the least significant byte
    for (size_t i = sizeof(T); i-- > 0;) v = static_cast<T>((v << 8) | p[i]);
    return v;
  }
}
inline uint16_t LoadU16(const uint8_t* p) { return Load<uint16_t>(p); }
inline uint32_t LoadU32(const uint8_t* p) { return Load<uint32_t>(p); }
inline uint64_t LoadU64(const uint8_t* p) { return Load<uint64_t>(p); }

template <typename T>
inline void Store(uint8_t* p, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    p[i] = static_cast<uint8_t>(v >> (8 * i));
  }
}

}  // namespace picket::intel_format

#endif  // PICKET_INTEL_INTEL_FORMAT_H_
