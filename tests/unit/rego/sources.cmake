target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/api_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conformance_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/language_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_runner_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vector_policies_test.cpp
)
