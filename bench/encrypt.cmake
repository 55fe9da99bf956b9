# Layer cipher throughput against what `openssl speed` measures for the same primitives in the same run.
add_executable(coco_bench_layer_cipher ${CMAKE_CURRENT_LIST_DIR}/encrypt/layer_cipher_bench.cpp)
target_link_libraries(coco_bench_layer_cipher PRIVATE coco::common coco_warnings)

# Image encryption against skopeo (not part of ctest): `cmake --build BUILD --target bench-encrypt`;
# COCO_BENCH_SIZE_MB (default 1024) and COCO_BENCH_RSS_MB (peak RSS runs, e.g. 4096; default skipped).
add_custom_target(bench-encrypt
  COMMAND ${CMAKE_COMMAND} -E env "COCO_ENCRYPT=$<TARGET_FILE:coco-encrypt>" bash ${CMAKE_CURRENT_LIST_DIR}/encrypt/run.sh
  DEPENDS coco-encrypt
  USES_TERMINAL)
