target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/options_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_cipher_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/annotations_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vectors_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kbs_wrapper_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pkcs7_wrapper_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pgp_wrapper_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/keyprovider_wrapper_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/skopeo_interop_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/recipients_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspect_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_stream_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verify_test.cpp
)

# A command keyprovider speaking the ocicrypt protocol, run by keyprovider_wrapper_test.cpp.
add_executable(coco_test_keyprovider ${CMAKE_CURRENT_LIST_DIR}/test_keyprovider.cpp)
target_link_libraries(coco_test_keyprovider PRIVATE coco::common coco_warnings)
add_dependencies(coco_unit_tests coco_test_keyprovider)
target_compile_definitions(coco_unit_tests PRIVATE COCO_TEST_KEYPROVIDER="$<TARGET_FILE:coco_test_keyprovider>")
