target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/jwk_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jws_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jwt_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jwe_test.cpp
)
