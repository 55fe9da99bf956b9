target_sources(coco_common PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/complete.cpp
  ${CMAKE_CURRENT_LIST_DIR}/docs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/env.cpp
  ${CMAKE_CURRENT_LIST_DIR}/options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/progress.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spell.cpp
  ${CMAKE_CURRENT_LIST_DIR}/version.cpp
)

# The shell glue of the completion scripts (completions/) is compiled in, so `coco completion bash` works
# without the source tree; editing a glue file re-runs the configure step.
foreach(shell bash zsh fish)
  set(coco_glue_file ${PROJECT_SOURCE_DIR}/completions/coco.${shell})
  string(TOUPPER ${shell} coco_glue_upper)
  file(READ ${coco_glue_file} COCO_GLUE_${coco_glue_upper})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${coco_glue_file})
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/completion_glue.hpp.in ${PROJECT_BINARY_DIR}/generated/coco_completion_glue.hpp @ONLY)
