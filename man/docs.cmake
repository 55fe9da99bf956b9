# Man pages and shell completions, generated at build time: every tool in COCO_TOOLS (filled by coco_add_tool in
# tools/, which is added before man/) runs its hidden `__generate-docs` once built, writing
#   ${PROJECT_BINARY_DIR}/share/man/man1/<tool>[-<command>...].1
#   ${PROJECT_BINARY_DIR}/share/{bash-completion/completions,zsh/site-functions,fish/vendor_completions.d}/
# merged with the hand-written parts in man/ (<page>.description, <page>.examples, <page>.see-also); the
# overview pages man/*.7 are copied to share/man/man7. `cmake --install` installs the whole tree.
set(COCO_SHARE_DIR ${PROJECT_BINARY_DIR}/share)
# The pages' date: SOURCE_DATE_EPOCH when set (reproducible builds), else the configure day.
string(TIMESTAMP COCO_DOCS_DATE "%Y-%m-%d" UTC)

file(GLOB coco_man_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.examples
     ${CMAKE_CURRENT_SOURCE_DIR}/*.see-also ${CMAKE_CURRENT_SOURCE_DIR}/*.description)
file(GLOB coco_man7_pages CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.7)
foreach(page IN LISTS coco_man7_pages)
  get_filename_component(page_name ${page} NAME)
  configure_file(${page} ${COCO_SHARE_DIR}/man/man7/${page_name} COPYONLY)
endforeach()

set(coco_docs_stamps)
foreach(tool IN LISTS COCO_TOOLS)
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${tool}.docs.stamp)
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${tool} __generate-docs ${COCO_SHARE_DIR} --man-src ${CMAKE_CURRENT_SOURCE_DIR} --date ${COCO_DOCS_DATE}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${tool} ${coco_man_sources}
    COMMENT "Generating the man pages and completions of ${tool}"
    VERBATIM)
  list(APPEND coco_docs_stamps ${stamp})
endforeach()
add_custom_target(coco_docs ALL DEPENDS ${coco_docs_stamps})

install(DIRECTORY ${COCO_SHARE_DIR}/man ${COCO_SHARE_DIR}/bash-completion ${COCO_SHARE_DIR}/zsh
        ${COCO_SHARE_DIR}/fish DESTINATION share OPTIONAL)
