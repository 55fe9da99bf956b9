target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jwe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jwk.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jws.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jwt.cpp
)
