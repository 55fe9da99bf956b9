# coco-kbs policy test / policy check end to end (tests/e2e/rego/*.sh), on policies written by the scripts and the
# shared Trustee vectors.
foreach(script policy_test)
  add_test(NAME e2e.rego.${script} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/rego/${script}.sh)
  set_tests_properties(e2e.rego.${script} PROPERTIES ENVIRONMENT "${COCO_E2E_ENV}" TIMEOUT 60 LABELS e2e)
endforeach()
