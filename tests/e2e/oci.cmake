# OCI image I/O end to end: copies through every transport and a docker-registry started on 127.0.0.1, with
# skopeo as the peer. Until `coco copy`/`coco inspect` exist the scripts drive coco_oci_driver, a test-only
# front end over common/oci (COCO_OCI overrides the command).
add_executable(coco_oci_driver ${CMAKE_CURRENT_LIST_DIR}/oci/coco_oci_driver.cpp)
target_link_libraries(coco_oci_driver PRIVATE coco::common coco_warnings)

foreach(script IN ITEMS)
  add_test(NAME e2e.oci.${script} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/oci/${script}.sh)
  set_tests_properties(e2e.oci.${script} PROPERTIES
    ENVIRONMENT "${COCO_E2E_ENV};COCO_OCI=$<TARGET_FILE:coco_oci_driver>"
    TIMEOUT 300 SKIP_RETURN_CODE 125 LABELS e2e)
endforeach()
