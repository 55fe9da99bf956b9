target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/admin_auth.cpp
  ${CMAKE_CURRENT_LIST_DIR}/admin_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attestation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/guest_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/key_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/contexts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/protocol.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rvps.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls.cpp
  ${CMAKE_CURRENT_LIST_DIR}/token.cpp
)

# Trustee's default policies (common/kbs/data, see SOURCE.md there) compiled in as string constants.
set(coco_kbs_policy_files
  ${CMAKE_CURRENT_LIST_DIR}/data/default_resource_policy.rego
  ${CMAKE_CURRENT_LIST_DIR}/data/ear_default_policy_cpu.rego
  ${CMAKE_CURRENT_LIST_DIR}/default_policies.cpp.in)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${coco_kbs_policy_files})
file(READ ${CMAKE_CURRENT_LIST_DIR}/data/default_resource_policy.rego COCO_KBS_DEFAULT_RESOURCE_POLICY)
file(READ ${CMAKE_CURRENT_LIST_DIR}/data/ear_default_policy_cpu.rego COCO_KBS_DEFAULT_ATTESTATION_POLICY)
string(FIND "${COCO_KBS_DEFAULT_RESOURCE_POLICY}" ")coco_rego" coco_kbs_delimiter_1)
string(FIND "${COCO_KBS_DEFAULT_ATTESTATION_POLICY}" ")coco_rego" coco_kbs_delimiter_2)
if(NOT coco_kbs_delimiter_1 EQUAL -1 OR NOT coco_kbs_delimiter_2 EQUAL -1)
  message(FATAL_ERROR "common/kbs/data: a policy contains the raw-string delimiter )coco_rego")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/default_policies.cpp.in
               ${CMAKE_BINARY_DIR}/generated/common/kbs/default_policies.cpp @ONLY)
target_sources(coco_common PRIVATE ${CMAKE_BINARY_DIR}/generated/common/kbs/default_policies.cpp)
