# picket_core: the portable detection core (events, their JSON, the
# pipeline, the detectors, intel store lookups). It builds for a
# microcontroller (PICKET_PORTABLE_CORE_ONLY with cmake/arm-none-eabi.cmake):
# no Linux header, no exceptions, no RTTI, no library but the C++ runtime
# and header-only RapidJSON. PICKET_HOST_SOURCES lists what lives in the same
# directories but only on a host (picket_host, see CMakeLists.txt).
file(GLOB PICKET_CORE_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/src/core/*.cc ${PROJECT_SOURCE_DIR}/src/engine/*.cc
     ${PROJECT_SOURCE_DIR}/src/detectors/*.cc
     ${PROJECT_SOURCE_DIR}/src/detectors/*/*.cc
     ${PROJECT_SOURCE_DIR}/src/intel/*.cc)
list(FILTER PICKET_CORE_SOURCES EXCLUDE REGEX "_(test|fuzz)\\.cc$")
set(PICKET_HOST_SOURCES
    ${PROJECT_SOURCE_DIR}/src/core/config.cc
    ${PROJECT_SOURCE_DIR}/src/core/yaml_errors.cc
    ${PROJECT_SOURCE_DIR}/src/core/yaml_reader.cc
    ${PROJECT_SOURCE_DIR}/src/core/remote_config.cc
    ${PROJECT_SOURCE_DIR}/src/detectors/baseline/baseline_yaml.cc
    ${PROJECT_SOURCE_DIR}/src/intel/compiler.cc
    ${PROJECT_SOURCE_DIR}/src/intel/feed.cc
    ${PROJECT_SOURCE_DIR}/src/intel/feed_json.cc)
list(REMOVE_ITEM PICKET_CORE_SOURCES ${PICKET_HOST_SOURCES})
add_library(picket_core STATIC ${PICKET_CORE_SOURCES})
target_include_directories(picket_core PUBLIC ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/src)
