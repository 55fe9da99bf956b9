# KBS: full handshakes (auth + attest + resource, sample TEE) per second against an in-process HTTPS server.
add_executable(coco_bench_kbs_handshake ${CMAKE_CURRENT_LIST_DIR}/kbs/handshake_bench.cpp)
target_link_libraries(coco_bench_kbs_handshake PRIVATE coco::common coco_warnings PkgConfig::HTTPLIB)
target_compile_definitions(coco_bench_kbs_handshake PRIVATE COCO_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared")
