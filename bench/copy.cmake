# Copy benchmark (not part of ctest): one random ~1 GiB layer, oci: -> oci: and oci: -> a local
# docker-registry, coco's wall time as a ratio to `skopeo copy` measured in the same run, and the peak RSS of
# both. Run with `cmake --build BUILD --target bench-copy` (COCO_BENCH_SIZE_MB overrides the layer size).
add_custom_target(bench-copy
  COMMAND ${CMAKE_COMMAND} -E env "COCO_OCI=$<TARGET_FILE:coco>" bash ${CMAKE_CURRENT_LIST_DIR}/copy/run.sh
  DEPENDS coco
  USES_TERMINAL)
