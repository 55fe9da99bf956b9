# coco-kbs client benchmark (not part of ctest): wall time of `coco-kbs secrets put` against a local
# `coco-kbs serve`, as a ratio to `curl` doing the same authenticated POST /kbs/v0/resource/... in the same run.
# Run with `cmake --build BUILD --target bench-kbs-client` (COCO_BENCH_RUNS overrides the number of runs, 50).
add_custom_target(bench-kbs-client
  COMMAND ${CMAKE_COMMAND} -E env "COCO_KBS=$<TARGET_FILE:coco-kbs>" bash ${CMAKE_CURRENT_LIST_DIR}/kbs_client/run.sh
  DEPENDS coco-kbs
  USES_TERMINAL)
