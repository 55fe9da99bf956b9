# Evidence: report-data binding, verifiers (sample, snp, tdx, tpm), simulated evidence, guest evidence sources.
# jose/jcs.cpp and crypto/x509.cpp are owned by this module's author and listed here so that the jose/ and crypto/
# sources.cmake files (written by others) need not change; the integrator may move them.
target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../jose/jcs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../crypto/x509.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attestation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/binding.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ccel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sample.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signature.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sim.cpp
  ${CMAKE_CURRENT_LIST_DIR}/snp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tdx.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tdx_collateral.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tpm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tpm_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verifier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vendor_roots.cpp
)

# Vendor roots are embedded at build time from common/attest/data/*.pem (AMD ASK/ARK/ASVK per generation, as
# Trustee compiles them in; the Intel SGX Root CA) into a generated header of raw string literals.
set(coco_attest_roots_inc "")
foreach(coco_root_name milan_ask_ark_asvk genoa_ask_ark_asvk turin_ask_ark_asvk intel-sgx-root-ca)
  set(coco_root_file ${CMAKE_CURRENT_LIST_DIR}/data/${coco_root_name}.pem)
  file(READ ${coco_root_file} coco_root_pem)
  string(MAKE_C_IDENTIFIER ${coco_root_name} coco_root_id)
  string(APPEND coco_attest_roots_inc "inline constexpr std::string_view k_pem_${coco_root_id} = R\"coco_pem(${coco_root_pem})coco_pem\";\n")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${coco_root_file})
endforeach()
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/generated/common/attest/embedded_roots.inc CONTENT "${coco_attest_roots_inc}")
