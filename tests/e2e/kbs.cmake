# coco-kbs end to end: `coco-kbs serve` on 127.0.0.1 (HTTPS, self-signed, generated admin key), the client
# commands against it (client.sh), `coco-kbs policy eval` over the shared policy vectors, and the admin requests'
# bytes checked against a recording server (conformance.sh).
foreach(script serve client conformance idp_https)
  add_test(NAME e2e.kbs.${script} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kbs/${script}.sh)
  set_tests_properties(e2e.kbs.${script} PROPERTIES ENVIRONMENT "${COCO_E2E_ENV}" TIMEOUT 120
                       SKIP_RETURN_CODE 125 LABELS e2e)
endforeach()
