target_sources(coco_unit_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/attestation_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/binding_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ccel_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jcs_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sample_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sim_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/snp_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/source_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tdx_collateral_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tdx_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tpm_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/x509_test.cpp
)
