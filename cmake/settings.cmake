# INTERFACE targets linked PRIVATE by every coco target: language settings, warnings, sanitizers.
add_library(coco_settings INTERFACE)
target_compile_features(coco_settings INTERFACE cxx_std_20)
target_include_directories(coco_settings INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)

add_library(coco_warnings INTERFACE)
target_compile_options(coco_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
if(COCO_WERROR)
  target_compile_options(coco_warnings INTERFACE -Werror)
endif()

if(COCO_SANITIZE)
  target_compile_options(coco_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(coco_settings INTERFACE -fsanitize=address,undefined)
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# Version and commit, baked into coco_version.hpp.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  OUTPUT_VARIABLE COCO_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT COCO_GIT_COMMIT)
  set(COCO_GIT_COMMIT "unknown")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/coco_version.hpp.in ${PROJECT_BINARY_DIR}/generated/coco_version.hpp @ONLY)
