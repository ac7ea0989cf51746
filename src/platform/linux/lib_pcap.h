// libpcap, loaded on first use: the network collector's packet capture and
// `picket replay --pcap`.
#ifndef PICKET_PLATFORM_LINUX_LIB_PCAP_H_
#define PICKET_PLATFORM_LINUX_LIB_PCAP_H_

#include <pcap/pcap.h>

#include "platform/linux/dynamic_library.h"

namespace picket {

// clang-format off
#define PICKET_LIBPCAP_FUNCTIONS(X) \
  X(pcap_activate) \
  X(pcap_close) \
  X(pcap_compile) \
  X(pcap_create) \
  X(pcap_datalink) \
  X(pcap_dispatch) \
  X(pcap_freecode) \
  X(pcap_get_selectable_fd) \
  X(pcap_get_tstamp_precision) \
  X(pcap_geterr) \
  X(pcap_open_offline_with_tstamp_precision) \
  X(pcap_set_buffer_size) \
  X(pcap_set_immediate_mode) \
  X(pcap_set_promisc) \
  X(pcap_set_snaplen) \
  X(pcap_set_timeout) \
  X(pcap_setfilter) \
  X(pcap_setnonblock) \
  X(pcap_stats)
// clang-format on

PICKET_DYNAMIC_LIBRARY(LibPcap, PICKET_SONAME_PCAP, PICKET_LIBPCAP_FUNCTIONS)

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_LIB_PCAP_H_
