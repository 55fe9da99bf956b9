target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/options_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_cipher_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/annotations_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vectors_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kbs_wrapper_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pkcs7_wrapper_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pgp_wrapper_test.cpp
)
