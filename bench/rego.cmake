# Rego engine: evaluations per second of Trustee's default resource and attestation (EAR) policies, 1 and 2 threads.
add_executable(coco_bench_rego ${CMAKE_CURRENT_LIST_DIR}/rego/policy_bench.cpp)
target_link_libraries(coco_bench_rego PRIVATE coco::common coco_warnings)
target_compile_definitions(coco_bench_rego PRIVATE COCO_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared")
