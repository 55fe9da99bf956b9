# The CLI conventions, on the real binaries in build/bin: help, man pages, completions and dispatch for every
# command every tool lists (tests/e2e/cli/*.sh).
foreach(script docs dispatch completion progress)
  add_test(NAME e2e_cli_${script} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/cli/${script}.sh)
  set_tests_properties(e2e_cli_${script} PROPERTIES ENVIRONMENT "${COCO_E2E_ENV}" SKIP_RETURN_CODE 125 TIMEOUT 300)
endforeach()
