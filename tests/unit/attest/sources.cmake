target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/jcs_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/binding_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/x509_test.cpp
)
