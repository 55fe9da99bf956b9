target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/asymmetric.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cipher.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hmac.cpp
  ${CMAKE_CURRENT_LIST_DIR}/key.cpp
  ${CMAKE_CURRENT_LIST_DIR}/openssl_handles.cpp
  ${CMAKE_CURRENT_LIST_DIR}/random.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signature.cpp
)
