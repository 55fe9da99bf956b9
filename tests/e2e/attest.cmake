# coco-attest end to end on the real binary: simulated roots, evidence from sim-snp, sim-tdx and sample, offline
# verification (tampered evidence exits 3), a real SEV-SNP vector, doctor on a machine without a TEE (flow); the
# guest flow against a real `coco-kbs serve --trust-sim-roots` (kbs_flow); a swtpm quote through the KBS (tpm); an image encrypted for a kbs:/// key decrypted via the KBS (decrypt).
foreach(script IN ITEMS flow kbs_flow tpm decrypt)
  add_test(NAME e2e_attest_${script} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/attest/${script}.sh)
  set_tests_properties(e2e_attest_${script} PROPERTIES
    ENVIRONMENT "${COCO_E2E_ENV};COCO_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared"
    TIMEOUT 300 SKIP_RETURN_CODE 125 LABELS e2e)
endforeach()
