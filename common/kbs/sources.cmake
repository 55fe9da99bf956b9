target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/admin_auth.cpp
  ${CMAKE_CURRENT_LIST_DIR}/admin_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attestation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/contexts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/protocol.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls.cpp
  ${CMAKE_CURRENT_LIST_DIR}/token.cpp
)
