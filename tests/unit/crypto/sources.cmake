target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/hash_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cipher_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/key_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signature_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/asymmetric_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/x509_pkix_test.cpp
)
