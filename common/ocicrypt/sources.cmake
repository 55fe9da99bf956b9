target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/annotations.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jwe_wrapper.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kbs_wrapper.cpp
  ${CMAKE_CURRENT_LIST_DIR}/key_wrapper.cpp
  ${CMAKE_CURRENT_LIST_DIR}/keyprovider_wrapper.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_cipher.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pgp_wrapper.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pkcs7_wrapper.cpp
  ${CMAKE_CURRENT_LIST_DIR}/recipients.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verify.cpp
)
