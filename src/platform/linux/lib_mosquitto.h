// libmosquitto (with libssl for TLS), loaded when the MQTT sink starts.
#ifndef PICKET_PLATFORM_LINUX_LIB_MOSQUITTO_H_
#define PICKET_PLATFORM_LINUX_LIB_MOSQUITTO_H_

#include <mosquitto.h>

#include "platform/linux/dynamic_library.h"

namespace picket {

// clang-format off
#define PICKET_LIBMOSQUITTO_FUNCTIONS(X) \
  X(mosquitto_connack_string) \
  X(mosquitto_connect_async) \
  X(mosquitto_connect_v5_callback_set) \
  X(mosquitto_destroy) \
  X(mosquitto_disconnect) \
  X(mosquitto_disconnect_v5_callback_set) \
  X(mosquitto_int_option) \
  X(mosquitto_lib_init) \
  X(mosquitto_log_callback_set) \
  X(mosquitto_loop_misc) \
  X(mosquitto_loop_read) \
  X(mosquitto_loop_write) \
  X(mosquitto_message_v5_callback_set) \
  X(mosquitto_new) \
  X(mosquitto_property_add_string) \
  X(mosquitto_property_free_all) \
  X(mosquitto_publish) \
  X(mosquitto_publish_v5) \
  X(mosquitto_publish_v5_callback_set) \
  X(mosquitto_reason_string) \
  X(mosquitto_socket) \
  X(mosquitto_strerror) \
  X(mosquitto_subscribe) \
  X(mosquitto_tls_insecure_set) \
  X(mosquitto_tls_opts_set) \
  X(mosquitto_tls_set) \
  X(mosquitto_username_pw_set) \
  X(mosquitto_want_write) \
  X(mosquitto_will_set)
// clang-format on

PICKET_DYNAMIC_LIBRARY(LibMosquitto, PICKET_SONAME_MOSQUITTO,
                       PICKET_LIBMOSQUITTO_FUNCTIONS)

}  // namespace picket

#endif  // PICKET_PLATFORM_LINUX_LIB_MOSQUITTO_H_
