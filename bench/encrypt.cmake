# Layer cipher throughput against what `openssl speed` measures for the same primitives in the same run.
add_executable(coco_bench_layer_cipher ${CMAKE_CURRENT_LIST_DIR}/encrypt/layer_cipher_bench.cpp)
target_link_libraries(coco_bench_layer_cipher PRIVATE coco::common coco_warnings)
