# coco-encrypt end to end: images made with umoci, encrypted by coco-encrypt and decrypted by skopeo and the
# other way round, the shared skopeo-made vectors, tampered layers, and kbs:/// recipients with a KEK file.
foreach(script roundtrip vectors tamper)
  add_test(NAME e2e.encrypt.${script} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/encrypt/${script}.sh)
  set_tests_properties(e2e.encrypt.${script} PROPERTIES
    ENVIRONMENT "${COCO_E2E_ENV};COCO_ENCRYPT=$<TARGET_FILE:coco-encrypt>"
    TIMEOUT 300 SKIP_RETURN_CODE 125 LABELS e2e)
endforeach()
