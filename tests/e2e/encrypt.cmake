# coco-encrypt end to end: images made with umoci, encrypted by coco-encrypt and decrypted by skopeo and the
# other way round (jwe, pkcs7, pgp, a command keyprovider; multi-arch; Docker schema2; a local registry), the
# shared skopeo-made vectors, tampering, verify, recipients add/remove, zstd -> gzip, kbs:/// recipients.
foreach(script roundtrip vectors tamper interop verify recipients compress kbs_upload)
  add_test(NAME e2e.encrypt.${script} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/encrypt/${script}.sh)
  set_tests_properties(e2e.encrypt.${script} PROPERTIES
    ENVIRONMENT "${COCO_E2E_ENV};COCO_ENCRYPT=$<TARGET_FILE:coco-encrypt>;COCO_TEST_KEYPROVIDER=$<TARGET_FILE:coco_test_keyprovider>"
    TIMEOUT 300 SKIP_RETURN_CODE 125 LABELS e2e)
endforeach()
