target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/admin_auth_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/admin_client_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/durability_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/key_source_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/policy_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/protocol_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replica_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rvps_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/token_verifier_test.cpp
)
target_sources(coco_unit_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/server_test.cpp)
target_link_libraries(coco_unit_tests PRIVATE PkgConfig::HTTPLIB)
target_sources(coco_unit_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/guest_client_test.cpp)
