target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/encoding_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/atomic_file_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/result_test.cpp
)
